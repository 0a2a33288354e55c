package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"strings"
)

// ETag returns a weak entity tag, W/"…", for the resource's content: a
// hash of its canonical JSON without "meta" (which holds the version
// itself and timestamps that change without the content changing). Equal
// content gives equal tags on any server, so no version counter needs
// storing, and a PATCH that changes nothing keeps the tag.
func ETag(res Resource) string {
	content := maps.Clone(res)
	delete(content, "meta")
	// encoding/json writes map keys sorted, so the bytes are canonical.
	b, err := json.Marshal(content)
	if err != nil {
		// A canonical resource always marshals; hash the error so the
		// tag still differs from every valid one.
		b = []byte(err.Error())
	}
	sum := sha256.Sum256(b)
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

// IfMatch evaluates an If-Match header against the current ETag of an
// existing resource: true if the request may proceed. An empty header and
// "*" pass; otherwise one of the listed tags must match. Tags are compared
// weakly (W/ ignored): SCIM versions are weak tags (RFC 7644 §3.14), so a
// strong comparison could never succeed. A malformed header does not pass.
// A handler answers false with PreconditionFailedError (412).
func IfMatch(header, etag string) bool {
	header = strings.TrimSpace(header)
	if header == "" || header == "*" {
		return true
	}
	tags, ok := parseETags(header)
	return ok && containsTag(tags, etag)
}

// IfNoneMatch evaluates an If-None-Match header: true if the request may
// proceed, false if the client's copy is current (a GET then answers 304
// Not Modified, a write 412). etag is "" when the resource does not
// exist, which only "*" cares about. A malformed header passes, as if
// absent.
func IfNoneMatch(header, etag string) bool {
	header = strings.TrimSpace(header)
	if header == "" {
		return true
	}
	if header == "*" {
		return etag == ""
	}
	tags, ok := parseETags(header)
	return !ok || etag == "" || !containsTag(tags, etag)
}

func containsTag(tags []string, etag string) bool {
	want := opaque(etag)
	for _, t := range tags {
		if opaque(t) == want {
			return true
		}
	}
	return false
}

// opaque strips the weakness marker: W/"x" → "x".
func opaque(tag string) string {
	return strings.TrimPrefix(tag, "W/")
}

// parseETags splits a comma-separated list of entity tags (RFC 9110
// §8.8.3): [W/]"chars", where chars exclude the double quote but may
// include commas.
func parseETags(h string) ([]string, bool) {
	var tags []string
	for i := 0; i < len(h); {
		switch h[i] {
		case ' ', '\t', ',':
			i++
			continue
		}
		start := i
		if strings.HasPrefix(h[i:], "W/") {
			i += 2
		}
		if i >= len(h) || h[i] != '"' {
			return nil, false
		}
		end := strings.IndexByte(h[i+1:], '"')
		if end < 0 {
			return nil, false
		}
		i += end + 2
		tags = append(tags, h[start:i])
	}
	return tags, len(tags) > 0
}

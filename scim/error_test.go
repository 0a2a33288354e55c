package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestErrorConstructors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    *Error
		status int
		typ    ErrorType
	}{
		{InvalidFilterError("x"), 400, ErrorInvalidFilter},
		{TooManyError("x"), 400, ErrorTooMany},
		{UniquenessError("x"), 409, ErrorUniqueness},
		{MutabilityError("x"), 400, ErrorMutability},
		{InvalidSyntaxError("x"), 400, ErrorInvalidSyntax},
		{InvalidPathError("x"), 400, ErrorInvalidPath},
		{NoTargetError("x"), 400, ErrorNoTarget},
		{InvalidValueError("x"), 400, ErrorInvalidValue},
		{InvalidVersError("x"), 400, ErrorInvalidVers},
		{SensitiveError("x"), 403, ErrorSensitive},
		{TooLargeError("x"), 413, ErrorTooLarge},
		{NotFoundError("x"), 404, ""},
		{PreconditionFailedError("x"), 412, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.typ), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.status, tt.err.Status)
			require.Equal(t, tt.typ, tt.err.Type)
			require.Equal(t, "x", tt.err.Detail)
		})
	}
}

func TestErrorJSON(t *testing.T) {
	t.Parallel()
	e := MutabilityError("attribute %q is readOnly", "id")
	b, err := json.Marshal(e)
	require.NoError(t, err)
	require.JSONEq(t, `{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
		"status": "400",
		"scimType": "mutability",
		"detail": "attribute \"id\" is readOnly"
	}`, string(b))

	b, err = json.Marshal(NotFoundError("User 42 not found"))
	require.NoError(t, err)
	require.JSONEq(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"User 42 not found"}`, string(b))

	var back Error
	require.NoError(t, json.Unmarshal([]byte(`{"status":"409","scimType":"uniqueness","detail":"taken"}`), &back))
	require.Equal(t, Error{Status: 409, Type: ErrorUniqueness, Detail: "taken"}, back)
	require.NoError(t, json.Unmarshal([]byte(`{"status":400,"scimType":"invalidValue"}`), &back), "numeric status")
	require.Equal(t, 400, back.Status)
	require.Error(t, json.Unmarshal([]byte(`{"status":"bad"}`), &back))
}

func TestAsError(t *testing.T) {
	t.Parallel()
	require.Nil(t, AsError(nil))

	inner := NoTargetError("nothing")
	wrapped := fmt.Errorf("patch user 7: %w", inner)
	require.Same(t, inner, AsError(wrapped))

	internal := errors.New("disk on fire at /var/lib/tenure")
	got := AsError(internal)
	require.Equal(t, http.StatusInternalServerError, got.Status)
	require.NotContains(t, got.Detail, "disk", "internal details must not reach the client")
	require.ErrorIs(t, got, internal)
}

func TestSyntaxErrorIsReachable(t *testing.T) {
	t.Parallel()
	_, err := ParseFilter(`userName eq`)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 11, se.Offset)
	require.Contains(t, err.Error(), "offset 11")
}

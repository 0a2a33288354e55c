// SCIMMY reference server for Tenure's SCIM benchmark (bench/scimload).
//
// SCIMMY parses, validates and formats SCIM messages and applies PATCH;
// SCIMMY Routers turns that into Express routes. What SCIMMY leaves to its
// user is storage: the ingress (create/replace), egress (read/list) and
// degress (delete) handlers below keep Users and Groups in Maps, with an
// index on the unique attribute (userName, Group displayName) so that the
// `userName eq "…"` lookup IdPs make before every create is answered
// without a scan, as Tenure's memstore does.
//
// Environment:
//   SCIMMY_TOKEN  bearer token every request must carry (required)
//   PORT          port on 127.0.0.1; 0 or unset picks a free one
//
// Prints "listening on http://127.0.0.1:NNNN" on stdout once it accepts
// connections; the SCIM base URL is that plus /scim/v2.

import {randomUUID, timingSafeEqual} from "node:crypto";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const token = process.env.SCIMMY_TOKEN ?? "";
if (!token) {
    console.error("SCIMMY_TOKEN is not set");
    process.exit(2);
}
const port = Number(process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT ${JSON.stringify(process.env.PORT)} is not a port number`);
    process.exit(2);
}

// Table keeps the resources of one type by id, with a case-insensitive
// index on its unique attribute (SCIM's userName and Group displayName
// are caseExact false, so "Alice" and "alice" are the same user).
class Table {
    constructor(name, unique) {
        this.name = name;
        this.unique = unique;
        this.byID = new Map();
        this.byUnique = new Map();
    }

    // egress answers SCIMMY's read: one resource by id, or the resources
    // matching the request's filter. SCIMMY hands the filter to egress
    // unevaluated (resource.filter, already parsed); equality on id or on
    // the unique attribute goes to a Map, any other filter to SCIMMY's own
    // Filter.match over every resource. SCIMMY does the paging and sorting
    // of what egress returns (Messages.ListResponse).
    egress(resource) {
        if (resource.id) {
            const rec = this.byID.get(resource.id);
            if (!rec) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
            return rec;
        }
        const filter = resource.filter;
        if (!filter) return [...this.byID.values()];
        const candidates = this.#candidates(filter);
        return filter.match(candidates ?? [...this.byID.values()]);
    }

    // #candidates returns the few resources a filter can match when every
    // one of its alternatives ("or" branches) is an equality on id or on the
    // unique attribute, else undefined (scan). The caller still matches
    // each candidate with SCIMMY's Filter.match, so the index only narrows
    // and the answer is the one a scan would give. (Filter.match compares
    // "eq" case-sensitively, whatever the attribute's caseExact says: a
    // lookup of "ALICE@…" does not find "alice@…", though creating it would
    // be refused as not unique. That is SCIMMY's behaviour, kept here.)
    #candidates(filter) {
        const out = [];
        for (const branch of filter) {
            const attrs = Object.keys(branch);
            if (attrs.length !== 1) return undefined;
            const attr = attrs[0];
            const expr = branch[attr];
            if (!Array.isArray(expr) || expr.length !== 2 || expr[0] !== "eq" || typeof expr[1] !== "string") return undefined;
            let rec;
            if (attr === "id") rec = this.byID.get(expr[1]);
            else if (attr.toLowerCase() === this.unique.toLowerCase()) rec = this.byUnique.get(expr[1].toLowerCase());
            else return undefined;
            if (rec && !out.includes(rec)) out.push(rec);
        }
        return out;
    }

    // ingress answers SCIMMY's write: create when resource.id is unset (POST),
    // else replace the whole resource (PUT, and PATCH, which SCIMMY applies
    // to a read of the resource and writes back whole).
    ingress(resource, instance) {
        const now = new Date().toISOString();
        const key = String(instance[this.unique] ?? "").toLowerCase();
        const taken = this.byUnique.get(key);
        if (resource.id) {
            const old = this.byID.get(resource.id);
            if (!old) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
            if (taken && taken !== old) throw this.#uniqueness();
            const rec = this.#record(instance, resource.id, old.meta.created, now);
            this.byUnique.delete(String(old[this.unique] ?? "").toLowerCase());
            this.byUnique.set(key, rec);
            this.byID.set(rec.id, rec);
            return rec;
        }
        if (taken) throw this.#uniqueness();
        const rec = this.#record(instance, randomUUID(), now, now);
        this.byUnique.set(key, rec);
        this.byID.set(rec.id, rec);
        return rec;
    }

    // degress answers SCIMMY's dispose (DELETE).
    degress(resource) {
        const rec = this.byID.get(resource.id);
        if (!rec) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
        this.byID.delete(rec.id);
        this.byUnique.delete(String(rec[this.unique] ?? "").toLowerCase());
    }

    // #record turns SCIMMY's schema instance into the plain object stored
    // and returned to SCIMMY, with the attributes the service provider owns.
    #record(instance, id, created, lastModified) {
        const rec = JSON.parse(JSON.stringify(instance));
        rec.id = id;
        rec.meta = {created, lastModified, version: `W/"${lastModified}"`};
        return rec;
    }

    #uniqueness() {
        return new SCIMMY.Types.Error(409, "uniqueness", `${this.name} ${this.unique} is already taken`);
    }
}

const users = new Table("User", "userName");
const groups = new Table("Group", "displayName");

SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .ingress((resource, instance) => users.ingress(resource, instance))
    .egress((resource) => users.egress(resource))
    .degress((resource) => users.degress(resource));
SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress((resource, instance) => groups.ingress(resource, instance))
    .egress((resource) => groups.egress(resource))
    .degress((resource) => groups.degress(resource));

// bearer checks the Authorization header in constant time; SCIMMY Routers
// answers a throw with 401 and a SCIM error body.
const want = Buffer.from(`Bearer ${token}`);
function bearer(req) {
    const got = Buffer.from(req.get("authorization") ?? "");
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new Error("invalid bearer token");
}

const app = express();
app.disable("x-powered-by");
app.use("/scim/v2", new SCIMMYRouters({
    type: "bearer",
    handler: bearer,
    baseUri: (req) => `${req.protocol}://${req.get("host")}`,
}));

const server = app.listen(port, "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
// Keep idle connections longer than Node's 5 s default, so a load
// generator's pooled connection is not closed between two phases.
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;

// Stop cleanly on SIGTERM/SIGINT, so a parent that kills us gets a prompt
// exit rather than waiting for idle keep-alive connections.
for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
        server.close();
        server.closeAllConnections();
        process.exit(0);
    });
}

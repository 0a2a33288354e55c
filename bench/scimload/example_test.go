package scimload_test

import (
	"context"
	"fmt"

	"github.com/tenure-dev/tenure/bench/scimload"
)

// Load Tenure's SCIM server, pre-filled with a thousand users, with a
// hundred requests of each operation. Compare does the same against both
// servers and prints the table.
func ExampleRun() {
	ctx := context.Background()
	base, token, stop, err := scimload.StartOurs(ctx, 1000)
	if err != nil {
		panic(err)
	}
	defer stop()

	res, err := scimload.Run(ctx, base, token, scimload.Workload{Users: 1000, Requests: 100, Concurrency: 4})
	if err != nil {
		panic(err)
	}
	for _, o := range res.Ops {
		fmt.Printf("%s: %d requests, %d errors\n", o.Op, o.Requests, o.Errors)
	}
	// Output:
	// POST /Users: 100 requests, 0 errors
	// GET /Users?filter=userName eq "…": 100 requests, 0 errors
	// GET /Users/{id}: 100 requests, 0 errors
	// PATCH /Users/{id}: 100 requests, 0 errors
}

//go:build tools

// Package tools pins the Temporal server and its SQL schema tool: `go build` of these two
// packages with this module's go.sum is the cluster's server, exactly as Temporal released it.
package tools

import (
	_ "go.temporal.io/server/cmd/server"
	_ "go.temporal.io/server/cmd/tools/sql"
)

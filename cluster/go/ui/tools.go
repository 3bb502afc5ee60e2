//go:build tools

// Package tools pins the Temporal Web UI server (the same ui-server the Temporal CLI 1.9.1 embeds,
// and the temporalio/ui image runs). A module of its own, so its dependencies do not move the
// server's.
package tools

import (
	_ "github.com/temporalio/ui-server/v2/cmd/server"
)

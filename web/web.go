// Package web holds the static web apps that the local server serves (in the
// cloud, S3 and CloudFront serve the same files).
package web

import "embed"

// Files are the built web apps.
//
//go:embed index.html
var Files embed.FS

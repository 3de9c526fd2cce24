// Package web holds the static web apps that the local server serves (in the
// cloud, S3 and CloudFront serve the same files).
//
// The apps are built with Vite (make web) into dist/, which is embedded
// here. A fresh clone has only dist/robots.txt, tracked so that the package
// compiles before the first build; each build writes it again from
// public/robots.txt, unchanged.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Files are the built web apps, rooted where the site is: index.html,
// backoffice/index.html, assets/.
var Files = mustSub(dist, "dist")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant, valid path
	}
	return sub
}

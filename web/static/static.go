// Package static embeds the CSS, our own JS and images, and the browser
// libraries that `make` copies into vendor/ from node_modules.
package static

import "embed"

// FS holds css/, js/, img/ and vendor/.
//
//go:embed all:css all:js all:img all:vendor
var FS embed.FS

// Package htmltest parses HTML in tests and finds elements by their
// data-testid hooks, tag names or attributes, so tests assert on structure
// rather than on substrings.
package htmltest

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Doc is a parsed HTML document.
type Doc struct{ Root *html.Node }

// Parse parses body or fails the test.
func Parse(t testing.TB, body []byte) *Doc {
	t.Helper()
	n, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing HTML: %v", err)
	}
	return &Doc{Root: n}
}

// Find returns the elements below n for which match is true, in document order.
func Find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// ByTestID returns the elements with data-testid="id".
func (d *Doc) ByTestID(id string) []*html.Node { return ByTestID(d.Root, id) }

// ByTestID returns the elements below n with data-testid="id".
func ByTestID(n *html.Node, id string) []*html.Node {
	return Find(n, func(n *html.Node) bool { return Attr(n, "data-testid") == id })
}

// ByTag returns the elements with the given tag name.
func (d *Doc) ByTag(tag string) []*html.Node { return ByTag(d.Root, tag) }

// ByTag returns the elements below n with the given tag name.
func ByTag(n *html.Node, tag string) []*html.Node {
	return Find(n, func(n *html.Node) bool { return n.Data == tag })
}

// One returns the single element with data-testid="id" or fails the test.
func (d *Doc) One(t testing.TB, id string) *html.Node {
	t.Helper()
	nodes := d.ByTestID(id)
	if len(nodes) != 1 {
		t.Fatalf("want exactly one [data-testid=%q], found %d", id, len(nodes))
	}
	return nodes[0]
}

// Attr returns the value of an attribute, or "".
func Attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// Text returns the text content of n with runs of white space folded.
func Text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// Command age-plugin-tvtest is the software age plugin of tvault's tests;
// see package ageplugin.
package main

import "github.com/tvault/tvault/internal/testkit/ageplugin"

func main() { ageplugin.Main() }

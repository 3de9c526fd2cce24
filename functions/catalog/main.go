// Command catalog is the catalog Lambda function: the rows of the route table whose
// function is "catalog", behind API Gateway.
package main

import (
	"github.com/stanzaportal/stanza/shared/lambdahost"
	"github.com/stanzaportal/stanza/shared/routes"
)

func main() { lambdahost.Run(routes.Catalog) }

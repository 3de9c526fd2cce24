// Command applications is the applications Lambda function: the rows of the route table whose
// function is "applications", behind API Gateway.
package main

import (
	"github.com/stanzaportal/stanza/shared/lambdahost"
	"github.com/stanzaportal/stanza/shared/routes"
)

func main() { lambdahost.Run(routes.Applications) }

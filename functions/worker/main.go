// Command worker is the change-feed Lambda function: it receives DynamoDB
// Streams batches and runs the portal's change handlers on them.
package main

import "github.com/stanzaportal/stanza/shared/lambdahost"

func main() { lambdahost.RunWorker() }

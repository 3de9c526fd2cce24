package seguito

// Answers exposes answers to the tests of the package's behaviour.
var Answers = answers

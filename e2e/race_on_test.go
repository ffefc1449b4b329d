//go:build race

package e2e

// raceEnabled is true when the tests run under the race detector; the crash
// test then builds the server with -race too, which reuses the packages this
// test binary was compiled from and checks the server for races as well.
const raceEnabled = true

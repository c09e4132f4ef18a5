//go:build !race

package softdelete

// diffRace tells the differential test that the race detector is on.
const diffRace = false

package postgres

import (
	"strconv"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// The actor (the root package's WithActor): a soft DELETE of a table with
// an actor column sets it to a parameter, never to a literal, so that one
// text (one cache entry, one server-side prepared statement) serves every
// actor. The parameter is $k, k one past the highest parameter of the
// text, and the root package appends the actor to the arguments. Where no
// such parameter can be bound the DELETE is refused: pgx's named
// arguments (@name: pgx numbers them itself), a text of several
// statements (the server takes parameters only with one), a stored
// statement (PREPARE, CREATE RULE: its parameters are its own).

// actorSlot is the actor parameter of one text.
type actorSlot struct {
	text       string // the text as parsed (named arguments protected)
	statements int    // how many statements the text holds
	named      bool   // the text uses pgx's named arguments
	param      int    // the parameter's number; 0 until a DELETE takes it
}

// actorFix is the advice for a soft DELETE that cannot take the actor.
const actorFix = "set the actor column yourself (UPDATE ... SET deleted_by = $1) and delete with a statement of its own"

// actorParam returns the number of the parameter the soft DELETE of t
// sets its actor column to, or 0 when t has none; it refuses where none
// can be bound.
func (w *rewrite) actorParam(t *table) int {
	if t.Actor == "" {
		return 0
	}
	a := w.actor
	switch {
	case a.named:
		w.refuse(t.Name, "use $1 placeholders in a soft DELETE, or "+actorFix,
			"the soft DELETE records its actor in %s as a parameter, and the statement uses named arguments (@name), among which softdelete cannot add one", t.Actor)
	case a.statements > 1:
		w.refuse(t.Name, "send the statements one by one",
			"the soft DELETE records its actor in %s as a parameter, and PostgreSQL takes parameters only in a text of one statement", t.Actor)
	case w.deferred > 0:
		w.refuse(t.Name, "run the DELETE itself, or "+actorFix,
			"the statement stores a DELETE of %s that runs later, where the actor of this call cannot be bound", t.Name)
	}
	if w.err != nil {
		return 0
	}
	if a.param == 0 {
		a.param = maxParam(a.text) + 1
	}
	return a.param
}

// maxParam returns the highest parameter number ($n) of a text, or 0.
func maxParam(text string) int {
	sc, err := pg.Scan(text)
	if err != nil {
		return 0 // the text parsed, so it scans
	}
	highest := 0
	for _, t := range sc.Tokens {
		if t.Token != pg.Token_PARAM {
			continue
		}
		if n, err := strconv.Atoi(text[t.Start+1 : t.End]); err == nil && n > highest {
			highest = n
		}
	}
	return highest
}

package softdelete

import (
	"strconv"
	"strings"
)

// FormatDSN returns the DSN of c, which ParseDSN reads back: Tables and
// TableList become one tables= list (ParseDSN returns it as Tables), and
// dsn= comes last. Connector and Logger have no DSN form and are left out;
// so are the defaults (an empty Column, Kind, Dialect, Now or Check, and
// CacheSize 0). A Now with blanks cannot be written: the DSN splits on
// blanks, so such a Config belongs in NewConnector.
func (c *Config) FormatDSN() string {
	var b strings.Builder
	pair := func(key, val string) {
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(val)
		b.WriteByte(' ')
	}
	pair("driver", c.DriverName)
	specs := append([]string(nil), c.Tables...)
	for _, t := range c.TableList {
		specs = append(specs, t.String())
	}
	pair("tables", strings.Join(specs, ","))
	optional := []struct{ key, val string }{
		{"column", c.Column}, {"kind", string(c.Kind)}, {"dialect", c.Dialect},
		{"now", c.Now}, {"check", string(c.Check)},
	}
	for _, o := range optional {
		if o.val != "" {
			pair(o.key, o.val)
		}
	}
	switch {
	case c.CacheSize < 0:
		pair("cache", "0")
	case c.CacheSize > 0:
		pair("cache", strconv.Itoa(c.CacheSize))
	}
	b.WriteString("dsn=")
	b.WriteString(c.DSN)
	return b.String()
}

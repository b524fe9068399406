package policy

import (
	"fmt"
	"math"
	"time"
)

// Retention is how long a class's content is kept after its record was
// sealed: a whole number of years, months or days. The zero Retention
// keeps it for ever (a class without `retention`).
//
// The policy writes it as a string, a number and a unit with nothing
// between or around them: "10y", "18m", "90d". The number is positive,
// written without a sign or leading zeros, and at most 100 years (100y,
// 1200m, 36525d): a longer retention is no retention, and a bound keeps
// every date computed from it in range. No other spelling is accepted
// ("1y6m", "10 y", "10Y", "P10Y"): the text is what people read in
// `tvault policy show`, and one way to write a period leaves nothing to
// misread.
//
// Years and months are calendar periods (time.AddDate): a record sealed
// on 2024-02-29 with "1y" expires on 2025-03-01, with "1m" on 2024-03-29.
type Retention struct {
	n    int
	unit byte // 'y', 'm' or 'd'; 0 for the zero Retention
}

// Upper bounds of a Retention, by unit.
const (
	maxRetentionYears  = 100
	maxRetentionMonths = 12 * maxRetentionYears
	maxRetentionDays   = 36525 // 100 Julian years
)

// ParseRetention parses a retention period as the policy writes it (see
// Retention). The error says what is wrong in one sentence.
func ParseRetention(s string) (Retention, error) {
	const want = `a number and a unit, such as "10y" (years), "18m" (months) or "90d" (days)`
	if len(s) < 2 || len(s) > 6 {
		return Retention{}, fmt.Errorf("retention must be %s", want)
	}
	unit := s[len(s)-1]
	limit := map[byte]int{'y': maxRetentionYears, 'm': maxRetentionMonths, 'd': maxRetentionDays}[unit]
	if limit == 0 {
		return Retention{}, fmt.Errorf("retention must be %s: the unit is y, m or d", want)
	}
	digits := s[:len(s)-1]
	n := 0
	for i := 0; i < len(digits); i++ {
		d := digits[i]
		if d < '0' || d > '9' {
			return Retention{}, fmt.Errorf("retention must be %s", want)
		}
		n = 10*n + int(d-'0')
	}
	if digits[0] == '0' {
		return Retention{}, fmt.Errorf("retention must be %s: a positive whole number without leading zeros", want)
	}
	if n > limit {
		return Retention{}, fmt.Errorf("retention must be at most 100 years (%d%c)", limit, unit)
	}
	return Retention{n: n, unit: unit}, nil
}

// IsZero reports whether r keeps content for ever.
func (r Retention) IsZero() bool { return r.unit == 0 }

// String returns r as the policy writes it, or "" for the zero Retention.
func (r Retention) String() string {
	if r.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d%c", r.n, r.unit)
}

// Expires returns when content sealed at sealed expires under r: it is
// expired at and after that instant. It is the zero time for the zero
// Retention, which never expires.
func (r Retention) Expires(sealed time.Time) time.Time {
	switch r.unit {
	case 'y':
		return sealed.AddDate(r.n, 0, 0)
	case 'm':
		return sealed.AddDate(0, r.n, 0)
	case 'd':
		return sealed.AddDate(0, 0, r.n)
	}
	return time.Time{}
}

// Expired reports whether content sealed at sealed has expired under r at
// now. The zero Retention never expires.
func (r Retention) Expired(sealed, now time.Time) bool {
	return !r.IsZero() && !now.Before(r.Expires(sealed))
}

// daysAround returns the fewest and the most days r can span, whatever
// the day it starts: exact for days; for a calendar period, its average
// length (a Gregorian year is 365.2425 days) with three days either side,
// which covers every leap day and short month AddDate can meet.
func (r Retention) daysAround() (lo, hi float64) {
	switch r.unit {
	case 'd':
		return float64(r.n), float64(r.n)
	case 'y', 'm':
		months := r.n
		if r.unit == 'y' {
			months *= 12
		}
		mean := float64(months) * 365.2425 / 12
		return math.Floor(mean) - 3, math.Ceil(mean) + 3
	}
	return math.Inf(1), math.Inf(1)
}

// MayShorten reports whether moving a class from retention old to new can
// make some record expire sooner: new sets a retention where old kept
// content for ever, or new can be shorter than old for some sealing day.
// Between calendar periods (y, m) and between days the comparison is
// exact; between days and a calendar period it is conservative, true when
// the two can be within a few days of each other either way.
func MayShorten(old, new Retention) bool {
	switch {
	case new.IsZero():
		return false
	case old.IsZero():
		return true
	case (old.unit == 'd') == (new.unit == 'd'):
		return new.months() < old.months() || (new.unit == 'd' && new.n < old.n)
	}
	_, oldHi := old.daysAround()
	newLo, _ := new.daysAround()
	return newLo < oldHi
}

// months returns a calendar period in months (0 for days).
func (r Retention) months() int {
	switch r.unit {
	case 'y':
		return 12 * r.n
	case 'm':
		return r.n
	}
	return 0
}

// Retention returns class's retention in p: the zero Retention (kept for
// ever) for a class without one, or one p does not have.
func (p *Policy) Retention(class string) Retention {
	return p.Classes[class].Retention
}

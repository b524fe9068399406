// Package csvsafe writes the CSV that tvault produces (`tvault list --csv`,
// `tvault audit export --csv`) so that a spreadsheet opens every cell as
// text and a reader can still recover every cell exactly. CSV is for
// reading; JSON Lines (`audit export`) and `--json` stay the exact evidence
// formats.
//
// # Formula cells
//
// A spreadsheet evaluates a cell that begins with '=', '+', '-' or '@' as a
// formula, and some also after a tab or a carriage return; Excel does the
// same for the fullwidth forms '＝' (U+FF1D), '＋' (U+FF0B), '－' (U+FF0D)
// and '＠' (U+FF20). A researcher-entered cell such as
// `=HYPERLINK("https://…","open")`, `@SUM(A1:A9)` or `+cmd|' /C calc'!A0`
// would run, or leak the sheet, when an analyst opens the file. Following
// OWASP's recommendation (CSV injection), Cell prefixes every such cell
// with one apostrophe ('), which makes a spreadsheet read it as text.
//
// The rule, exactly: a cell whose first character is one of
//
//	=  +  -  @  TAB  CR  ＝  ＋  －  ＠  '
//
// is written with one ' in front of it; every other cell is written as it
// is. The apostrophe itself is in the list so that the escape can be undone
// without ambiguity: the inverse (Unescape) is "if the cell begins with ',
// remove that one '", and Unescape(Cell(s)) == s for every string s.
// Nothing else in a cell is changed; quoting is encoding/csv's (RFC 4180,
// "\n" line ends).
//
// # List cells
//
// A cell that holds a list (a public field of type list, a record's
// classes) is written by List as a JSON array of strings, for example
// ["incommunicado","shelling"]: items may themselves contain ';' or ',',
// and a JSON array keeps ["a;b","c"] apart from ["a","b","c"]. Decode it
// with any JSON parser (after Unescape, which never changes it: it begins
// with '[').
//
// # Excel and UTF-8
//
// CSV has no way to name its encoding. tvault writes UTF-8, and Excel on
// Windows reads a CSV without a byte order mark in the legacy code page,
// which garbles Cyrillic and Arabic. BOM returns a writer that puts the
// UTF-8 byte order mark (EF BB BF) before the first byte; the tvault
// commands offer it as --bom. Other readers (LibreOffice, pandas, Python's
// csv module with encoding="utf-8-sig") accept it.
//
// It imports only the standard library, so every layer (cmd/tvault,
// vault/audit) may use it.
package csvsafe

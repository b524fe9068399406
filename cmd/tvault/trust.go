package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
	"github.com/tvault/tvault/vault/audit"
)

// policyExportCommand is 'tvault policy export -o FILE'.
func policyExportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write the vault's signed policy chain, for audit verify --trust and custody verify --trust",
		ArgsUsage: " ",
		Description: "Any member may. Writes every signed policy version with the audit entry that applied it, which\n" +
			"'tvault audit verify FILE --trust CHAIN' and 'tvault custody verify FILE --trust CHAIN' check offline\n" +
			"back to the vault id, and then take the members' keys from it instead of from the export.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (which must not exist; - for standard output)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("policy export takes no arguments; name the file with -o FILE")
			}
			if c.String("output") == "" {
				return usagef("policy export needs -o FILE")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				return e.writeOutput(c.String("output"), func(w io.Writer) error {
					n, err := v.ExportPolicyChain(w)
					if err == nil {
						e.note("exported policy versions 1 to %d", n)
					}
					return err
				})
			})
		},
	}
}

// trustFlag is --trust of audit verify and custody verify.
func trustFlag() cli.Flag {
	return &cli.StringFlag{Name: "trust", Usage: "take the members' keys from `FILE`, a policy chain ('tvault policy export') or their cards, never from the export"}
}

// readTrust reads and verifies the --trust file p, and says where its
// keys came from, for the summary.
func readTrust(p string) (*vault.TrustedKeys, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, "", usagef("cannot read the --trust file %s: %v", p, unwrapPathError(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, vault.MaxTrustedKeysFile+1))
	if err != nil {
		return nil, "", usagef("cannot read the --trust file %s: %v", p, unwrapPathError(err))
	}
	if len(b) > vault.MaxTrustedKeysFile {
		return nil, "", usagef("the --trust file %s is larger than %d MiB", p, vault.MaxTrustedKeysFile>>20)
	}
	tk, err := vault.ReadTrustedKeys(b)
	if errors.Is(err, vault.ErrIntegrity) {
		return nil, "", withHint(fmt.Errorf("--trust %s: %w", p, err),
			"the file was changed after it was written, or is not genuine: get the policy chain or the cards again from members you trust")
	}
	if err != nil {
		return nil, "", fmt.Errorf("--trust %s: %w", p, err)
	}
	from := text.Escape(p) + fmt.Sprintf(" (the members' cards, %d keys)", len(tk.Keys))
	if n := tk.VersionsOf(); n > 0 {
		from = text.Escape(p) + fmt.Sprintf(" (the policy chain of %s, versions 1 to %d)", tk.Origin, n)
	}
	return tk, from, nil
}

// trustVerifyOptions applies audit verify's --trust to o: the keys, and,
// for an export FILE and a policy chain, CheckExport's checks, run before
// the verification (each is a reason to refuse the export).
func trustVerifyOptions(c *cli.Context, o *audit.VerifyOptions) error {
	tk, from, err := readTrust(c.String("trust"))
	if err != nil {
		return err
	}
	o.Trusted, o.TrustedFrom, o.Origin = tk.Keys, from, tk.Origin
	if c.NArg() != 1 {
		return nil
	}
	f, err := os.Open(c.Args().First())
	if err != nil {
		return nil // the verification reports it
	}
	defer f.Close()
	if err := tk.CheckExport(bufio.NewReaderSize(f, 1<<20)); errors.Is(err, vault.ErrIntegrity) {
		return withHint(fmt.Errorf("%s: %w", c.Args().First(), err),
			"the export does not match the policy chain given with --trust: one of them was altered, or they are of different vaults")
	} else if err != nil {
		return fmt.Errorf("%s: %w", c.Args().First(), err)
	}
	return nil
}

// verifyCustodyTrust verifies a custody report, with custody verify's
// --trust keys if given.
func verifyCustodyTrust(c *cli.Context, report []byte) (*vault.CustodySummary, error) {
	if c.String("trust") == "" {
		return vault.VerifyCustody(report)
	}
	tk, _, err := readTrust(c.String("trust"))
	if err != nil {
		return nil, err
	}
	return vault.VerifyCustodyWith(report, tk)
}

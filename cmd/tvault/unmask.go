package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
)

func unmaskCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "unmask",
		Usage: "open one record of a threshold class with other holders' approval",
		Description: "A class with 'threshold = k' in the policy opens only with k holders: a holder asks with\n" +
			"'tvault unmask request ID --reason TEXT', k-1 other holders each run 'tvault unmask approve REQUEST',\n" +
			"which re-encrypts their own share of that record's key to the requester (never a slot key), and\n" +
			"then 'tvault open ID' works for that record and that requester only. Every step is in the audit log.",
		Subcommands: []*cli.Command{unmaskRequestCommand(e), unmaskApproveCommand(e), unmaskListCommand(e)},
	}
}

func unmaskRequestCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "request",
		Usage:     "ask the other holders of a threshold class to approve opening one record",
		ArgsUsage: "ID",
		Description: "You must hold the class (a role of yours decrypts it and you hold a slot of the record's keys).\n" +
			"Prints the request id alone.\n" +
			"The reason is kept in the request and the audit log: never an interviewee's name.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "reason", Usage: "why the record must be unmasked, as one line of `TEXT` (required)"},
			&cli.StringFlag{Name: "class", Usage: "the threshold `CLASS` to unmask, when the record has more than one you hold"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("unmask request needs exactly one record ID")
			}
			if c.String("reason") == "" {
				return usagef("unmask request needs --reason TEXT: say why the record must be unmasked (it is kept in the audit log)")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				info, err := v.RequestUnmask(c.Context, c.Args().First(), c.String("class"), c.String("reason"))
				if err != nil {
					return err
				}
				e.committed("unmask request %s was made all the same", info.ID)
				if c.Bool("json") {
					return jsonOut(e, info)
				}
				fmt.Fprintln(e.stdout, info.ID)
				return nil
			})
		},
	}
}

func unmaskApproveCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "approve",
		Usage:     "give your share of one record's key to the holder who asked to unmask it",
		ArgsUsage: "REQUEST",
		Description: "You must hold the request's class and not be the requester. Your share of that record's key is\n" +
			"re-encrypted to the requester: it opens that record only, never another. Prints what was done.",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("unmask approve needs exactly one REQUEST id (see 'tvault unmask list')")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				a, err := v.ApproveUnmask(c.Context, c.Args().First())
				if err != nil {
					return err
				}
				e.committed("unmask request %s was approved all the same", a.Request)
				if c.Bool("json") {
					return jsonOut(e, map[string]any{"request": a.Request, "record": a.Record, "class": a.Class,
						"requester": a.Requester, "shares": a.Shares, "need": a.Need})
				}
				fmt.Fprintf(e.stdout, "approved unmask request %s: %s now has %d of the %d shares of record %s class %s\n",
					a.Request, text.Escape(a.Requester), a.Shares, a.Need, a.Record, text.Escape(a.Class))
				if a.Shares >= a.Need {
					fmt.Fprintf(e.stdout, "%s can now run 'tvault open %s'\n", text.Escape(a.Requester), a.Record)
				}
				return nil
			})
		},
	}
}

func unmaskListCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list the unmask requests you may approve and your own",
		ArgsUsage: " ",
		Description: "Shows the requests for classes a role of yours decrypts (you could approve them) and those you\n" +
			"made: id, requester, record, class, shares (the requester's own counts) of the threshold, state\n" +
			"(pending, granted, or stale once the record's keys have moved to another epoch), approvers and\n" +
			"reason.",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unmask list takes no arguments")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				list, err := v.ListUnmask(c.Context)
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return jsonOut(e, list)
				}
				if len(list) == 0 {
					fmt.Fprintln(e.stdout, "no unmask requests you may see")
				}
				for _, u := range list {
					fmt.Fprintf(e.stdout, "%s  %s  record %s class %s  %d/%d %s  requested %s by %s\n", u.ID, u.State, u.Record,
						text.Escape(u.Class), u.Shares, u.Need, approvers(u.Approvers), u.RequestedAt.UTC().Format(time.RFC3339), text.Escape(u.Requester))
					fmt.Fprintf(e.stdout, "    reason: %s\n", text.Escape(u.Reason))
				}
				return nil
			})
		},
	}
}

func approvers(names []string) string {
	if len(names) == 0 {
		return "(no approvals)"
	}
	return "(approved by " + joinQuoted(names) + ")"
}

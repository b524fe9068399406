package crypto

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// PluginError is returned, wrapped, when an age plugin (a program
// age-plugin-NAME on PATH, such as age-plugin-yubikey) could not do its
// part of a wrap or an unwrap: it is not installed (Missing), or it
// failed, for example because no PIN was given or the key was not touched.
// It is never returned for a wrap the plugin's key simply does not open.
type PluginError struct {
	// Plugin is the plugin's name: "yubikey" for age-plugin-yubikey.
	Plugin string
	// Missing reports that age-plugin-Plugin is not on PATH.
	Missing bool
	// Err is what the plugin or the protocol reported.
	Err error
}

func (e *PluginError) Error() string {
	if e.Missing {
		return fmt.Sprintf("age-plugin-%s is not on PATH", e.Plugin)
	}
	return fmt.Sprintf("age-plugin-%s failed: %v", e.Plugin, e.Err)
}

func (e *PluginError) Unwrap() error { return e.Err }

// errAgeDebug refuses to run a plugin while age's protocol trace is on: it
// copies every message, file keys included, to standard error.
var errAgeDebug = errors.New("AGEDEBUG=plugin would print the keys exchanged with the plugin: unset AGEDEBUG")

// pluginError turns what plugin.Recipient.Wrap or plugin.Identity.Unwrap
// returned into a *PluginError, leaving age.ErrIncorrectIdentity alone.
func pluginError(name string, err error) error {
	if err == nil || errors.Is(err, age.ErrIncorrectIdentity) {
		return err
	}
	var nf *plugin.NotFoundError
	if errors.As(err, &nf) {
		return &PluginError{Plugin: name, Missing: true, Err: nf.Err}
	}
	// The client prefixes "NAME plugin: ", which Error says already.
	msg := strings.TrimPrefix(err.Error(), name+" plugin: ")
	return &PluginError{Plugin: name, Err: errors.New(msg)}
}

// pluginRecipient is an age plugin recipient ("age1yubikey1…"): wrapping
// to it runs age-plugin-NAME. It implements only age.Recipient, so the
// plugin's labels are not asked for: tvault wraps to one recipient at a
// time, and the post-quantum question is the policy's.
type pluginRecipient struct {
	r    *plugin.Recipient
	name string
}

func (r *pluginRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	if os.Getenv("AGEDEBUG") == "plugin" {
		return nil, errAgeDebug
	}
	ss, err := r.r.Wrap(fileKey)
	return ss, pluginError(r.name, err)
}

// String returns the recipient's canonical string.
func (r *pluginRecipient) String() string { return r.r.String() }

// wrapUI is the UI of a wrap to a member's plugin recipient: it needs only
// public data, so a plugin that wants to ask the user anything is refused,
// and its messages are dropped (package crypto never prints).
var wrapUI = &plugin.ClientUI{
	DisplayMessage: func(name, message string) error { return nil },
	RequestValue: func(name, prompt string, secret bool) (string, error) {
		return "", errors.New("a plugin may not ask for input while wrapping to a recipient")
	},
	Confirm: func(name, prompt, yes, no string) (bool, error) {
		return false, errors.New("a plugin may not ask for input while wrapping to a recipient")
	},
}

// parsePluginRecipient parses "age1NAME1…" into its canonical (lower-case)
// form and a recipient that wraps through age-plugin-NAME.
func parsePluginRecipient(s string) (*pluginRecipient, error) {
	name, data, err := plugin.ParseRecipient(s)
	if err != nil {
		return nil, errors.New("malformed age plugin recipient")
	}
	canonical := plugin.EncodeRecipient(name, data)
	if canonical != s {
		return nil, errors.New("malformed age plugin recipient (not in canonical lower-case form)")
	}
	r, err := plugin.NewRecipient(canonical, wrapUI)
	if err != nil {
		return nil, errors.New("malformed age plugin recipient")
	}
	return &pluginRecipient{r: r, name: name}, nil
}

// IsPluginRecipient reports whether s looks like an age plugin recipient,
// "age1NAME1…": the Bech32 data charset has no "1", so a second one marks
// the end of a plugin name. Native and tag recipients are not plugin ones.
func IsPluginRecipient(s string) bool {
	return strings.HasPrefix(s, "age1") && strings.Count(s, "1") > 1 &&
		!strings.HasPrefix(s, "age1pq1") && !strings.HasPrefix(s, "age1tag1") && !strings.HasPrefix(s, "age1tagpq1")
}

// pluginIdentity is an age plugin identity ("AGE-PLUGIN-YUBIKEY-1…"):
// unwrapping with it runs age-plugin-NAME, which may ask, through ui, for
// a PIN or a touch.
type pluginIdentity struct {
	id   *plugin.Identity
	name string
}

func (i *pluginIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	if os.Getenv("AGEDEBUG") == "plugin" {
		return nil, errAgeDebug
	}
	fk, err := i.id.Unwrap(stanzas)
	return fk, pluginError(i.name, err)
}

// PluginName returns the plugin of an age plugin recipient or identity
// string ("yubikey" for "age1yubikey1…" or "AGE-PLUGIN-YUBIKEY-1…"), or ""
// for anything else.
func PluginName(s string) string {
	if name, _, err := plugin.ParseRecipient(s); err == nil && IsPluginRecipient(s) {
		return name
	}
	if name, _, err := plugin.ParseIdentity(s); err == nil {
		return name
	}
	return ""
}

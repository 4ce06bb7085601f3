package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/tgsession/tgsession/codec/diagnose"
)

var doctorCmd = &command{
	name:    "doctor",
	summary: "explain why a session does not load",
	help: `Usage: tgsession doctor [--json] [--in FILE | FILE]
       tgsession doctor --explain [--in FILE]

Examines a session that fails to load (read from standard input or FILE) and
explains it without showing it: the library that most likely wrote it, what
is wrong with it (quotes, whitespace, a line break, padding, the wrong
base64 alphabet, a truncated string, another library's format), and what
Telethon, Pyrogram 2.x and 1.x, GramJS, mtcute and gotd would each say when
given it. The exit status is 0 if tgsession can decode the text, 1 if not.

With --explain, standard input is instead an error message that a library
printed (paste the message, not the session), and doctor says which library
raises it and what causes it.

Flags:
    --json       print the diagnosis as one JSON object
    --explain    explain a library's error message
    --in FILE    read from FILE

Examples:
    printenv TELETHON_SESSION | tgsession doctor
    echo 'struct.error: unpack requires a buffer of 271 bytes' | tgsession doctor --explain
`,
	run: runDoctor,
}

func runDoctor(c *cli, cmd *command, args []string) error {
	fs := newFlagSet(cmd)
	asJSON := fs.Bool("json", false, "")
	explain := fs.Bool("explain", false, "")
	in := fs.String("in", "", "")
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	srcs, err := sources(cmd.name, *in, pos)
	if err != nil {
		return err
	}
	if len(srcs) > 1 {
		return usageErrorf("doctor: one input at a time")
	}
	if *explain {
		return c.explain(srcs[0], *asJSON)
	}
	data, isSQLite, err := c.readText(srcs[0])
	if err != nil {
		return err
	}
	if isSQLite {
		return c.doctorFile(srcs[0], *asJSON)
	}
	d := diagnose.Text(string(data))
	clear(data)
	if *asJSON {
		writeDiagnosisJSON(c.stdout, d)
	} else {
		writeDiagnosis(c.stdout, d)
	}
	if !d.Decodes {
		return failf("%s: does not decode: %v", srcs[0], d.Err)
	}
	return nil
}

type diagnosisJSON struct {
	Format   string     `json:"format"`
	Library  string     `json:"library"`
	Decodes  bool       `json:"decodes"`
	Error    *string    `json:"error"`
	Findings []string   `json:"findings"`
	Peers    []peerJSON `json:"peers"`
}

type peerJSON struct {
	Library string `json:"library"`
	OK      bool   `json:"ok"`
	Result  string `json:"result"`
}

func writeDiagnosisJSON(w io.Writer, d *diagnose.Diagnosis) {
	j := diagnosisJSON{
		Format:   d.Format.String(),
		Library:  d.Library,
		Decodes:  d.Decodes,
		Findings: d.Findings,
		Peers:    []peerJSON{},
	}
	if j.Findings == nil {
		j.Findings = []string{}
	}
	if d.Err != nil {
		e := cleanMessage(d.Err.Error())
		j.Error = &e
	}
	for _, p := range d.Peers {
		j.Peers = append(j.Peers, peerJSON{Library: p.Library, OK: p.OK, Result: scrub(p.Result)})
	}
	for i := range j.Findings {
		j.Findings[i] = scrub(j.Findings[i])
	}
	_ = writeJSONLine(w, j)
}

func writeDiagnosis(w io.Writer, d *diagnose.Diagnosis) {
	fmt.Fprintf(w, "format:  %s\n", d.Format)
	fmt.Fprintf(w, "library: %s\n", escapeControls(d.Library))
	if d.Decodes {
		fmt.Fprintf(w, "decodes: yes\n")
	} else {
		fmt.Fprintf(w, "decodes: no: %s\n", cleanMessage(fmt.Sprint(d.Err)))
	}
	if len(d.Findings) > 0 {
		fmt.Fprintf(w, "\nfindings:\n")
		for _, f := range d.Findings {
			fmt.Fprintf(w, "  - %s\n", escapeControls(scrub(f)))
		}
	}
	if len(d.Peers) > 0 {
		fmt.Fprintf(w, "\nwhat each library does with this text as given:\n")
		for _, p := range d.Peers {
			mark := "fails"
			if p.OK {
				mark = "loads"
			}
			fmt.Fprintf(w, "  - %s: %s: %s\n", p.Library, mark, escapeControls(scrub(p.Result)))
		}
	}
}

// doctorFile reports on a .session file.
func (c *cli) doctorFile(src source, asJSON bool) error {
	l, err := c.loadFile(src, 0)
	if err != nil {
		return err
	}
	defer l.sess.Wipe()
	if asJSON {
		return writeInspectJSON(c.stdout, l, true)
	}
	writeInspectText(c.stdout, l)
	return nil
}

// explain explains a library error message read from src.
func (c *cli) explain(src source, asJSON bool) error {
	var r io.Reader = c.stdin
	if src.path != "" {
		f, err := openInput(src.path)
		if err != nil {
			return openError(src.path, err)
		}
		defer f.Close()
		r = f
	} else {
		c.stdinRead = true
		if c.isTerminal(c.stdin) {
			c.infof("paste the error message, then press Ctrl-D")
		}
	}
	b, err := readCapped(r, maxTextInput)
	if err != nil {
		return failf("%s: %v", src, err)
	}
	msg := string(b)
	clear(b)
	if strings.TrimSpace(msg) == "" {
		return failf("%s: empty: paste the error message a library printed", src)
	}
	text, ok := diagnose.LibraryError(msg)
	if asJSON {
		out := struct {
			Known       bool    `json:"known"`
			Explanation *string `json:"explanation"`
		}{Known: ok}
		if ok {
			t := scrub(text)
			out.Explanation = &t
		}
		_ = writeJSONLine(c.stdout, out)
	} else if ok {
		fmt.Fprintln(c.stdout, escapeControls(scrub(text)))
	}
	if !ok {
		return withHints(failf("%s: not a message tgsession recognises", src),
			`to examine the session itself, pipe it to "tgsession doctor" (without --explain)`)
	}
	return nil
}

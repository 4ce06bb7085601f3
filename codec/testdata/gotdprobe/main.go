// Command gotdprobe adds gotd/td's session.TelethonSession result to every
// probe in ../peer_probes.json. It is a separate module (testdata is ignored
// by the go tool) so that the main module does not depend on gotd/td. Run by
// ../peers_generate.sh.
package main

import (
	"encoding/json"
	"log"
	"os"

	"github.com/gotd/td/session"
)

func main() {
	const path = "../peer_probes.json"
	raw, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		log.Fatal(err)
	}
	doc["gotd"] = "gotd/td v0.93.0 session.TelethonSession (real)"
	for _, p := range doc["probes"].([]any) {
		p := p.(map[string]any)
		d, err := session.TelethonSession(p["input"].(string))
		if err != nil {
			p["gotd"] = map[string]any{"ok": false, "error": err.Error()}
			continue
		}
		p["gotd"] = map[string]any{"ok": true, "dc_id": d.DC, "addr": d.Addr}
	}
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

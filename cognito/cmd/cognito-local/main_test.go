package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pools.json")
	os.WriteFile(cfg, []byte(`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"]}]}`), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"pools":[{"id":"nope","client_ids":["c1"]}]}`), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-memory", "-db", filepath.Join(dir, "x.db")}, "-memory excludes"},
		{[]string{"-memory", "-postgres", "postgres://x"}, "-memory excludes"},
		{[]string{"-postgres", "postgres://x", "-db", "x.db"}, "-postgres excludes"},
		{[]string{"-config", cfg, "-rp-id", "example.com"}, "exclude each other"},
		{[]string{"-config", bad}, "id must match"},
		{[]string{"-config", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"-user-verification", "discouraged", "-memory"}, "not required or preferred"},
		{[]string{"-max-passkeys", "0", "-memory"}, "-max-passkeys"},
		{[]string{"-max-passkeys", "21", "-memory"}, "max_passkeys_per_user"},
		{[]string{"-memory", "extra"}, "unexpected arguments"},
		{[]string{"-memory", "-addr", "256.0.0.1:0"}, "256.0.0.1"},
		{[]string{"-memory", "-addr", "127.0.0.1:0", "-redis", "127.0.0.1:1"}, "-redis 127.0.0.1:1"},
	} {
		err := run(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
		}
	}
	if err := run([]string{"-h"}); err != nil {
		t.Errorf("-h: %v", err)
	}
}

// Starts the Go server under test: builds cmd/cognito-local once into a
// temporary directory, runs it on 127.0.0.1:0 and reads the address it
// prints. Also starts a throwaway PostgreSQL (internal/cmd/pgtemp) for the
// outage test.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const moduleDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = mkdtempSync(join(tmpdir(), "cognito-local-node-"));
process.on("exit", () => rmSync(buildDir, { recursive: true, force: true }));

const built = new Map();
function build(pkg, name) {
  if (!built.has(name)) {
    const out = join(buildDir, name);
    execFileSync("go", ["build", "-o", out, pkg], { cwd: moduleDir, stdio: ["ignore", "inherit", "inherit"] });
    built.set(name, out);
  }
  return built.get(name);
}

// firstLine resolves with the first stdout line of child matching re.
function firstLine(child, re, what) {
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => reject(new Error(`${what}: no start line within 60s\n${stderr}`)), 60_000);
    lines.on("line", (line) => {
      const m = re.exec(line);
      if (m) {
        clearTimeout(timer);
        resolveLine(m);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}\n${stderr}`));
    });
  });
}

// startServer runs cognito-local with config (an object written as the
// -config file) and extra flags; the default store is -memory.
export async function startServer(config, flags = ["-memory"]) {
  const bin = build("./cmd/cognito-local", "cognito-local");
  const dir = mkdtempSync(join(tmpdir(), "cognito-local-cfg-"));
  const configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(bin, ["-addr", "127.0.0.1:0", "-config", configPath, "-quiet", ...flags], { stdio: ["ignore", "pipe", "pipe"] });
  const [, url] = await firstLine(child, /^cognito-local listening on (http:\/\/\S+)$/, "cognito-local");
  child.removeAllListeners("exit");
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// startPostgres starts a throwaway PostgreSQL server; it resolves null when
// PostgreSQL is not installed.
export async function startPostgres() {
  const bin = build("./internal/cmd/pgtemp", "pgtemp");
  const child = spawn(bin, [], { stdio: ["pipe", "pipe", "pipe"] });
  let m;
  try {
    m = await firstLine(child, /^(dsn (\S+)|not-installed)$/, "pgtemp");
  } catch (e) {
    if (child.exitCode === 3) return null;
    throw e;
  }
  if (m[1] === "not-installed") return null;
  child.removeAllListeners("exit");
  return {
    dsn: m[2],
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.stdin.end();
        await exited;
      }
    },
  };
}

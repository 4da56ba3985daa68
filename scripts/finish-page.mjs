// Finishes one language's build of the page in what trunk leaves in its directory: the
// JavaScript glue, the names the wasm imports from it, and the head of index.html. Run by
// `make dist` after each `trunk build --release`, before precompress.sh.
//
//   node scripts/finish-page.mjs dist de
//   node scripts/finish-page.mjs dist/en en
//
// wasm-bindgen names every import after the Rust function plus a 16-digit hash
// (`__wbg_addEventListener_0f3a…`), once in the wasm and once in the glue; brotli cannot share
// them between the two files, and trunk's own JS minifier gives up on the glue. This script
//
// 1. renames the imports of the glue's module to short names in the wasm's import section (no
//    other byte of the wasm changes) and in the glue's import object, failing when a name is not
//    exactly once in the glue (a wasm-bindgen that writes its glue differently stops the build
//    here instead of shipping a page that cannot start);
// 2. minifies the glue with terser (an ES module: its exports keep their names);
// 3. names both files after a hash of what they now contain, so a browser that cached the old
//    pair never mixes an old glue with a new wasm, and writes the new names and their
//    subresource-integrity hashes into index.html;
// 4. gives index.html the build's language: `<html lang>`, and the title and description from
//    that language's catalog (frontend/src/i18n/<lang>.rs, `Text::Title` and
//    `Text::MetaDescription`), the texts the page itself sets once it runs.
//
// README, "Measured", says what it saves.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, renameSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(new URL("../tools/npm/package.json", import.meta.url));
const { minify } = require("terser");

const [dir, lang] = process.argv.slice(2);
const fail = (message) => {
    console.error(`finish-page: ${message}`);
    process.exit(1);
};
if (!dir || !["de", "en"].includes(lang)) fail("usage: finish-page.mjs DIR de|en");

const indexPath = join(dir, "index.html");
let index = readFileSync(indexPath, "utf8");
const js = readdirSync(dir).filter((name) => /^frontend-[0-9a-f]{1,16}\.js$/.test(name));
if (js.length !== 1) fail(`expected one frontend-<hash>.js in ${dir}, found ${js.length}`);
const stem = js[0].slice(0, -".js".length);
const jsName = `${stem}.js`;
const wasmName = `${stem}_bg.wasm`;
if (!index.includes(jsName) || !index.includes(wasmName)) fail(`index.html does not name ${stem}`);

// --- The wasm's import section -------------------------------------------------------------

function readU32(bytes, at) {
    let value = 0, shift = 0, byte;
    do {
        if (at >= bytes.length) fail("truncated LEB128 in the wasm");
        byte = bytes[at++];
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
    } while (byte & 0x80);
    return [value, at];
}

function writeU32(value) {
    const out = [];
    do {
        let byte = value & 0x7f;
        value = Math.floor(value / 128);
        if (value) byte |= 0x80;
        out.push(byte);
    } while (value);
    return Buffer.from(out);
}

function readName(bytes, at) {
    const [length, start] = readU32(bytes, at);
    return [bytes.subarray(start, start + length).toString("utf8"), start + length];
}

const writeName = (name) => {
    const utf8 = Buffer.from(name, "utf8");
    return Buffer.concat([writeU32(utf8.length), utf8]);
};

// Skips one import's description (function, table, memory, global or tag).
function skipImportDesc(bytes, at) {
    const kind = bytes[at++];
    const limits = (at) => {
        const flags = bytes[at++];
        [, at] = readU32(bytes, at);
        if (flags & 1) [, at] = readU32(bytes, at);
        return at;
    };
    switch (kind) {
        case 0: return readU32(bytes, at)[1];
        case 1: return limits(at + 1);
        case 2: return limits(at);
        case 3: return at + 2;
        case 4: return readU32(bytes, at + 1)[1];
        default: fail(`unknown import kind ${kind} in the wasm`);
    }
}

// Short names: a..z, A..Z, then two letters and so on.
function shortName(n) {
    const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let name = "";
    do {
        name = letters[n % letters.length] + name;
        n = Math.floor(n / letters.length) - 1;
    } while (n >= 0);
    return name;
}

const wasm = readFileSync(join(dir, wasmName));
if (wasm.readUInt32BE(0) !== 0x0061736d) fail(`${wasmName} is not a wasm module`);
const GLUE_MODULE = `./frontend_bg.js`;
const NEW_MODULE = "g";
const renames = new Map();
const parts = [wasm.subarray(0, 8)];
let at = 8;
while (at < wasm.length) {
    const id = wasm[at];
    const [size, body] = readU32(wasm, at + 1);
    const end = body + size;
    if (id !== 2) {
        parts.push(wasm.subarray(at, end));
        at = end;
        continue;
    }
    let [count, p] = readU32(wasm, body);
    const entries = [writeU32(count)];
    for (let i = 0; i < count; i++) {
        let module, field;
        [module, p] = readName(wasm, p);
        [field, p] = readName(wasm, p);
        const descStart = p;
        p = skipImportDesc(wasm, p);
        if (module === GLUE_MODULE) {
            if (!renames.has(field)) renames.set(field, shortName(renames.size));
            module = NEW_MODULE;
            field = renames.get(field);
        }
        entries.push(writeName(module), writeName(field), wasm.subarray(descStart, p));
    }
    if (p !== end) fail("the wasm's import section has bytes after its last import");
    const section = Buffer.concat(entries);
    parts.push(Buffer.from([2]), writeU32(section.length), section);
    at = end;
}
if (renames.size === 0) fail(`the wasm imports nothing from ${GLUE_MODULE}`);
const newWasm = Buffer.concat(parts);

// --- The glue ------------------------------------------------------------------------------

let glue = readFileSync(join(dir, jsName), "utf8");
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// `text` with the one match of `pattern` replaced: a pattern that matches no or several times
// stops the build (what the page needs is not where this script expects it).
const replaceOnce = (text, pattern, replacement, what) => {
    const matches = text.match(new RegExp(pattern, "g")) ?? [];
    if (matches.length !== 1) fail(`${what} is ${matches.length} times there, not once`);
    return text.replace(new RegExp(pattern), () => replacement);
};
for (const [old, short] of renames) {
    glue = replaceOnce(glue, `(?<![\\w$])${escape(old)}(?=\\s*:)`, short, `the glue's import ${old}`);
}
glue = replaceOnce(
    glue,
    `(["'])${escape(GLUE_MODULE)}\\1(?=\\s*:)`,
    `"${NEW_MODULE}"`,
    `the glue's module ${GLUE_MODULE}`,
);

const minified = await minify(glue, {
    module: true,
    ecma: 2020,
    // Arrow functions where a function never reads `this` or `arguments` (terser checks).
    compress: { passes: 3, unsafe_arrows: true },
    mangle: true,
    format: { comments: false },
});
if (!minified.code) fail("terser returned nothing");

// --- New names and integrity ---------------------------------------------------------------

const newHash = createHash("sha256").update(minified.code).update(newWasm).digest("hex").slice(0, 16);
const newStem = `frontend-${newHash}`;
const integrity = (bytes) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;

writeFileSync(join(dir, jsName), minified.code);
writeFileSync(join(dir, wasmName), newWasm);
renameSync(join(dir, jsName), join(dir, `${newStem}.js`));
renameSync(join(dir, wasmName), join(dir, `${newStem}_bg.wasm`));

// trunk writes `<link … href=/frontend-H.js integrity=sha384-… rel=modulepreload>` and the
// wasm's `rel=preload` likewise; each integrity belongs to the file its tag names.
const retag = (oldName, newName, bytes) => {
    const tag = new RegExp(`<link[^>]*${escape(oldName)}[^>]*>`, "g");
    const tags = index.match(tag) ?? [];
    if (tags.length !== 1) fail(`index.html has ${tags.length} link tags for ${oldName}, not one`);
    const updated = tags[0]
        .replace(oldName, newName)
        .replace(/integrity=("?)sha384-[A-Za-z0-9+/=]+\1/, `integrity=$1${integrity(bytes)}$1`);
    if (!updated.includes(integrity(bytes))) fail(`the link tag for ${oldName} has no integrity`);
    index = index.replace(tags[0], () => updated);
};
retag(wasmName, `${newStem}_bg.wasm`, newWasm);
retag(jsName, `${newStem}.js`, Buffer.from(minified.code));
index = index.split(stem).join(newStem);

// trunk's loader also publishes the bindings on `window` and announces the start with an
// event; nothing here listens, so the loader only starts the app.
const loader = /<script type=module>[^<]*<\/script>/g;
const loaders = index.match(loader) ?? [];
if (loaders.length !== 1) fail(`index.html has ${loaders.length} module loaders, not one`);
const base = loaders[0].match(/from '([^']*)frontend-/)?.[1];
if (base === undefined) fail("the loader does not import the glue");
const plainLoader =
    `<script type=module>import init from'${base}${newStem}.js';` +
    `init({module_or_path:'${base}${newStem}_bg.wasm'})</script>`;
index = index.replace(loaders[0], () => plainLoader);

// --- The head in the build's language ------------------------------------------------------

const catalog = readFileSync(new URL(`../frontend/src/i18n/${lang}.rs`, import.meta.url), "utf8");
// `Text::Title => "…",` or `Text::MetaDescription => {\n "…"\n }`: one plain string literal.
const catalogText = (key) => {
    const found = catalog.match(new RegExp(`Text::${key} => \\{?\\s*"((?:[^"\\\\]|\\\\.)*)"`));
    if (!found) fail(`no plain Text::${key} string in frontend/src/i18n/${lang}.rs`);
    if (/\\[^"\\]/.test(found[1])) fail(`Text::${key} has an escape this script does not read`);
    return found[1].replace(/\\(["\\])/g, "$1");
};
const html = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
index = replaceOnce(index, "<html[^>]*>", `<html lang=${lang}>`, "index.html's <html> tag");
index = replaceOnce(
    index,
    "<title>[^<]*</title>",
    `<title>MailTLS – ${html(catalogText("Title"))}</title>`,
    "index.html's title",
);
index = replaceOnce(
    index,
    "<meta[^>]*name=\"?description\"?[^>]*>",
    `<meta name=description content="${html(catalogText("MetaDescription"))}">`,
    "index.html's description",
);
writeFileSync(indexPath, index);

console.log(
    `finish-page: ${lang}: ${renames.size} imports renamed; glue ${Buffer.byteLength(glue)} -> ` +
        `${Buffer.byteLength(minified.code)} bytes, wasm ${wasm.length} -> ${newWasm.length}; ` +
        `${stem} -> ${newStem}`,
);

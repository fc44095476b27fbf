/** The Content-Type the results route sniffs from an object's first bytes. */
import { assert, describe, it } from "@effect/vitest"
import { sniffContentType } from "../src/http/ResultContentType.js"

const text = (s: string) => new TextEncoder().encode(s)

describe("sniffContentType", () => {
  it("recognises PNG, SVG (bare or after an XML prolog and comment), JSON (also after a BOM and blanks)", () => {
    assert.strictEqual(sniffContentType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), "image/png")
    assert.strictEqual(sniffContentType(text(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)), "image/svg+xml")
    assert.strictEqual(sniffContentType(text(`<?xml version="1.0"?>\n<!-- qr -->\n<svg viewBox="0 0 1 1">`)), "image/svg+xml")
    assert.strictEqual(sniffContentType(text(`\uFEFF\n  {"rows": []}`)), "application/json")
    assert.strictEqual(sniffContentType(text(`[1, 2]`)), "application/json")
  })

  it("calls other UTF-8 text plain text, even when a multi-byte character is cut at the chunk's end", () => {
    assert.strictEqual(sniffContentType(text("deal_id,borrower\nD1,Acme\n")), "text/plain; charset=utf-8")
    assert.strictEqual(sniffContentType(text("<html><body>not svg</body></html>")), "text/plain; charset=utf-8")
    const cut = text("қазақ тілі").subarray(0, 3)
    assert.strictEqual(sniffContentType(cut), "text/plain; charset=utf-8")
  })

  it("falls back to application/octet-stream for binary, invalid UTF-8 and empty objects", () => {
    assert.strictEqual(sniffContentType(new Uint8Array([0x7b, 0x00, 0x7d])), "application/octet-stream")
    assert.strictEqual(sniffContentType(new Uint8Array([0xff, 0xfe, 0x41])), "application/octet-stream")
    assert.strictEqual(sniffContentType(new Uint8Array()), "application/octet-stream")
  })
})

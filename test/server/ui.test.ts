// End-to-end tests of the web UI in Debian's Chromium (driven by playwright-core): the graph of
// examples/shop, an edge clicked and its deciding rule read (with the policy's source marked at the
// rule), a request routed through examples/gateway, one a mesh pod of examples/mesh sends, and an edge that changes after a file changes.
// Skipped, saying why, where /usr/bin/chromium is missing. JUNCTION_SCREENSHOT=FILE saves the page.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { tempFiles } from "../helpers.js";
import { serve } from "./helpers.js";
import { browserMissing, launch } from "./browser.js";

const missing = browserMissing();
if (missing) console.log(`# skipping the browser tests: ${missing}`);

const WEB_API = "e:shop/web[Deployment]>shop/api[Deployment]";

/** Clicks an edge of the graph where Cytoscape drew it. */
async function clickEdge(page: Page, id: string): Promise<void> {
  const at = await page.evaluate((edge) => {
    const cy = (globalThis as any).junctionGraph;
    const e = cy.getElementById(edge);
    if (e.empty()) return undefined;
    cy.zoom(1.5); cy.center(e);
    return e.renderedMidpoint();
  }, id);
  assert.ok(at, `edge ${id} is drawn`);
  const box = (await page.locator("#cy").boundingBox())!;
  await page.mouse.click(box.x + at.x, box.y + at.y);
}

test("the UI shows the graph, explains an edge, routes a request and follows a file change", { skip: missing }, async () => {
  const t = tempFiles({});
  cpSync("examples/shop", join(t.dir, "shop"), { recursive: true });
  const s = await serve(["-f", join(t.dir, "shop")]);
  const gateway = await serve(["-f", "examples/gateway"]);
  const meshServer = await serve(["-f", "examples/mesh"]);
  const { browser, close } = await launch();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(s.url);
    // The graph: namespaces with their workloads, and the allowed connections as edges.
    await page.waitForFunction(() => (globalThis as any).junctionGraph?.edges().length > 0);
    const drawn = await page.evaluate(() => { const cy = (globalThis as any).junctionGraph; return { namespaces: cy.nodes(".namespace").map((n: any) => n.data("namespace")), web: cy.getElementById("shop/web[Deployment]").nonempty() }; });
    assert.ok(drawn.namespaces.includes("shop") && drawn.namespaces.includes("payments"), JSON.stringify(drawn));
    assert.ok(drawn.web);

    // Click the edge web → api: the verdict per direction and the deciding rule, marked in the policy's source.
    await clickEdge(page, WEB_API);
    const panel = page.locator("#explain");
    await panel.getByText("allowed by NetworkPolicy shop/web, egress rule 0").waitFor();
    await panel.getByText(/allowed by NetworkPolicy shop\/api, ingress rule 0/).waitFor();
    const marked = await panel.locator("pre.source span.rule").allTextContents();
    assert.ok(marked.some((l) => l.includes("- to:")) && marked.some((l) => l.includes("matchLabels: {app: api}")), marked.join("\n"));
    if (process.env.JUNCTION_SCREENSHOT) await page.screenshot({ path: process.env.JUNCTION_SCREENSHOT });

    // Route a request through a Gateway of examples/gateway: listener → route → rule → backends.
    const routing = await browser.newPage();
    // Each page is brought to the front before it is driven: a page behind another may get no
    // animation frames, and Playwright's click waits for two of them to see the button stable.
    await routing.bringToFront();
    await routing.goto(gateway.url);
    await routing.getByRole("tab", { name: "Routing" }).click();
    await routing.getByLabel("Gateway").selectOption("infra/public");
    await routing.getByLabel("Request").fill("GET https://shop.example.com/cart");
    await routing.getByRole("button", { name: "Route" }).click();
    const path = routing.locator("#route ol");
    await path.getByText("HTTPRoute shop/storefront").waitFor();
    assert.match(await path.innerText(), /Listener\s+shop[\s\S]*Rule\s+1 \(cart\)[\s\S]*shop\/cart-v1:80 \(weight 90\)/);

    // A request a mesh pod sends (explain --request over the API): each layer it met, the deciding one last.
    const mesh = await browser.newPage();
    await mesh.bringToFront();
    await mesh.goto(meshServer.url);
    await mesh.getByRole("tab", { name: "Routing" }).click();
    await mesh.getByLabel("Request").fill("GET http://catalog.shop/admin");
    await mesh.getByLabel("From pod").fill("checkout/cart");
    await mesh.getByRole("button", { name: "Route" }).click();
    const layers = mesh.locator("#route ol");
    await layers.getByText("denied by DENY AuthorizationPolicy shop/no-admin, rule 0").waitFor();
    assert.match(await mesh.locator("#route").innerText(), /from checkout\/cart: status 403, decided by the authorization layer[\s\S]*entry: passed[\s\S]*routing: passed[\s\S]*network: passed[\s\S]*authorization: decided/);

    // A file changes: the pushed update redraws the graph without a reload, the changed edge highlighted.
    await page.bringToFront();
    await page.getByRole("tab", { name: "Graph" }).click();
    const policies = join(t.dir, "shop", "policies-shop.yaml");
    const text = readFileSync(policies, "utf8").split("\n");
    text[25] = text[25].replace("port: 8080}", "port: 8080, endPort: 8081}");
    text[39] = `${text[39]}\n    - {port: 8081}`;
    writeFileSync(policies, text.join("\n"));
    await page.waitForFunction((id) => (globalThis as any).junctionGraph.getElementById(id).data("label") === "TCP 8080-8081", WEB_API, { timeout: 20000 });
    assert.ok(await page.evaluate((id) => (globalThis as any).junctionGraph.getElementById(id).hasClass("changed"), WEB_API));
    assert.match(await page.locator("#status").innerText(), /version 2/);
    assert.deepEqual(errors, []);
  } finally { await close(); await s.stop(); await gateway.stop(); await meshServer.stop(); t.cleanup(); }
});

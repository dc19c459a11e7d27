"use strict";
exports.id = 580;
exports.ids = [580];
exports.modules = {

/***/ 67580:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   renderStatusText: () => (/* binding */ renderStatusText)
/* harmony export */ });
/* unused harmony export TEXT_DETAILS */
/* harmony import */ var _escape__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(14031);
/* harmony import */ var _render__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(46340);


/**
 * Terminal rendering of a tenant's status (pure). Plain text with a few symbols; colour is the
 * caller's business. Untrusted strings (history details, names from the catalog) are printed
 * through `clean`, which strips control characters so they cannot move the cursor or fake lines.
 */
const OVERALL = {
    shared: 'SHARED',
    isolated: 'ISOLATED',
    partial: 'PARTIAL (needs attention)',
};
function clean(text, max = 200) {
    // eslint-disable-next-line no-control-regex
    const stripped = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ');
    return stripped.length > max ? `${stripped.slice(0, max)}…` : stripped;
}
function n(v) {
    return v === null ? '–' : v.toLocaleString('en-US');
}
function pad(text, width) {
    return text.length >= width ? text : text + ' '.repeat(width - text.length);
}
function padStart(text, width) {
    return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}
/** Details printed per check without --verbose; longer lists are summarised by counts per kind. */
const TEXT_DETAILS = 5;
const VERDICT = {
    unchanged: 'no damage found; rows as recorded at the switch',
    changed: "no damage found; rows changed since the switch (the application's writes: information, not failure)",
    drifted: "no damage found; the tenant's schema changed since the switch (drift: migrations or lost objects, listed)",
    damaged: 'DAMAGE found: a check proves something wrong (exit code 1)',
};
/**
 * `verbose`: every detail of every check (as `--json` has them). Otherwise the details of a
 * failed or warned check, up to TEXT_DETAILS; a longer list is summarised by counts per kind.
 */
function renderStatusText(s, opts = {}) {
    const out = [];
    out.push(`Tenant ${clean(s.tenant, 63)}: ${OVERALL[s.overall]}`);
    for (const r of s.reasons)
        out.push(`  ${s.overall === 'partial' ? '!' : '-'} ${clean(r, 400)}`);
    out.push('');
    out.push(`Shared database   ${clean(s.sharedDatabase)}`);
    out.push(`Tenant row        id ${clean(s.tenantRow.id)}, isolation_mode ${clean(s.tenantRow.isolationMode)}`);
    const key = s.tenantRow.key;
    if (key && key.column !== 'id')
        out.push(`Tenant key value  ${clean(key.column)} ${clean(key.value)} (the value the tenant's rows carry)`);
    const iso = s.isolation;
    out.push(`State             ${iso?.state ?? '(never promoted)'}${iso?.isolated_at ? `, isolated at ${clean(iso.isolated_at)}` : ''}`);
    if (s.isolationError)
        out.push(`                  settings.isolation unreadable: ${clean(s.isolationError)}`);
    out.push(`Database          ${clean(s.database.name)}: ${s.database.exists ? 'exists' : 'absent'}`);
    // Schema level only: a database-level status reads as before.
    if (s.schema)
        out.push(`Isolation level   schema: ${clean(s.schema.name)} (search_path ${s.schema.searchPath.map(clean).join(', ')})`);
    for (const r of s.roles)
        out.push(`${pad(`Role (${r.purpose})`, 18)}${clean(r.name)}: ${r.exists ? 'exists' : 'absent'}`);
    for (const f of s.routing) {
        out.push(`Routing file      ${clean(f.path)}: ${f.exists ? (f.valid ? 'present' : 'present, INVALID') : 'absent'}`);
    }
    out.push(`Service URL       ${s.serviceUrl ? clean(s.serviceUrl) : '–'}`);
    if (s.tables.length > 0) {
        out.push('');
        const names = s.tables.map((t) => clean(`${t.schema}.${t.name}`, 60));
        const w = Math.max(5, ...names.map((x) => x.length));
        out.push(`${pad('Table', w)}  ${pad('Kind', 9)}  ${padStart('Shared', 10)}  ${padStart('Isolated', 10)}`);
        s.tables.forEach((t, i) => {
            const diff = t.isolated !== null && t.shared !== null && t.isolated !== t.shared && s.overall !== 'isolated'
                ? '  ≠'
                : '';
            out.push(`${pad(names[i], w)}  ${pad(t.kind, 9)}  ${padStart(n(t.shared), 10)}  ${padStart(n(t.isolated), 10)}${diff}`);
        });
    }
    if (s.sequenceRanges && s.sequenceRanges.sequences.length > 0) {
        out.push('');
        out.push(`Sequence ranges (slot ${s.sequenceRanges.slot})`);
        const seqs = s.sequenceRanges.sequences;
        const w = Math.max(8, ...seqs.map((q) => clean(q.sequence, 60).length));
        for (const q of seqs) {
            const shared = q.shared ? `shared ${q.shared.value ?? 'unused'} (keeps ${q.shared.keeps})` : 'shared –';
            const iso = q.isolated
                ? `isolated ${q.isolated.value ?? 'unused'} in ${q.isolated.first}–${q.isolated.last}`
                : 'isolated –';
            const off = q.isolated &&
                q.registered &&
                (q.isolated.first !== q.registered.first || q.isolated.last !== q.registered.last)
                ? `  ! register gives ${q.registered.first}–${q.registered.last}`
                : '';
            out.push(`  ${pad(clean(q.sequence, 60), w)}  ${pad(q.type, 8)}  ${shared}; ${iso}${off}`);
        }
    }
    const planNotes = (0,_render__WEBPACK_IMPORTED_MODULE_0__/* .uniqueNotes */ .re)(s.planNotes);
    if (planNotes.length > 0) {
        out.push('');
        out.push('Plan notes');
        const shown = opts.verbose ? planNotes : planNotes.slice(0, 20);
        for (const note of shown)
            out.push(`  - ${clean((0,_escape__WEBPACK_IMPORTED_MODULE_1__/* .plainSamples */ .aP)(note), opts.verbose ? 4000 : 300)}`);
        if (planNotes.length > shown.length)
            out.push(`  … and ${planNotes.length - shown.length} more (-v or --json lists them all)`);
    }
    if (s.checks) {
        out.push('');
        out.push(`Checks (--verify): ${s.checks.filter((c) => c.status === 'pass').length}/${s.checks.length} passed${s.verdict ? ` — ${VERDICT[s.verdict]}` : ''}`);
        for (const c of s.checks) {
            out.push(`  ${pad(c.status.toUpperCase(), 5)} ${clean(c.title, 60)}: ${clean((0,_escape__WEBPACK_IMPORTED_MODULE_1__/* .plainSamples */ .aP)(c.reason), 300)}`);
            const listed = opts.verbose || c.status === 'fail' || c.status === 'warn';
            // Each detail once; the one the reason already says is not repeated.
            const { details, unlisted } = (0,_render__WEBPACK_IMPORTED_MODULE_0__/* .checkDetails */ .bY)(c);
            if (!listed || details.length + unlisted === 0)
                continue;
            const all = opts.verbose || details.length + unlisted <= TEXT_DETAILS;
            if (!all)
                out.push(`        ${clean((0,_render__WEBPACK_IMPORTED_MODULE_0__/* .detailCounts */ .iq)(c.details), 600)}`);
            for (const d of all ? details : details.slice(0, TEXT_DETAILS))
                out.push(`        ${clean((0,_escape__WEBPACK_IMPORTED_MODULE_1__/* .plainSamples */ .aP)(d), opts.verbose ? 4000 : 300)}`);
            const hidden = all ? 0 : Math.max(0, details.length - TEXT_DETAILS);
            if (hidden > 0)
                out.push(`        … and ${hidden + unlisted} more (-v or --json lists them all)`);
            else if (unlisted > 0)
                out.push(`        … and ${unlisted} more (only counted)`);
        }
    }
    const history = iso?.history ?? [];
    if (history.length > 0) {
        out.push('');
        out.push('History');
        for (const h of history.slice(-20)) {
            const who = [
                h.actor && `by ${clean(h.actor, 60)}`,
                h.source && `via ${clean(h.source, 40)}`,
                h.pull_request !== undefined && `PR #${h.pull_request}`,
            ]
                .filter(Boolean)
                .join(' ');
            out.push(`  ${clean(h.at, 40)}  ${pad(h.event, 16)} ${who}${h.detail ? ` — ${clean(h.detail, 200)}` : ''}`);
        }
        if (history.length > 20)
            out.push(`  (${history.length - 20} older entries in --json)`);
    }
    return out.join('\n') + '\n';
}


/***/ })

};
;
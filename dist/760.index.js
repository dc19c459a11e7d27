"use strict";
exports.id = 760;
exports.ids = [760];
exports.modules = {

/***/ 7760:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   commitConfigFiles: () => (/* binding */ commitConfigFiles)
/* harmony export */ });
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);

/**
 * commit-config: commits the routing and load-balancer files the run wrote (or deletes the ones
 * a rollback removed) to the PR's branch through the contents API, so the routing change is
 * reviewed and merged with the PR. Paths are taken relative to the workspace; a file outside it
 * is not committed.
 */
async function commitConfigFiles(octokit, repo, branch, files, workspace, message) {
    const done = [];
    for (const file of files) {
        const path = (0,node_path__WEBPACK_IMPORTED_MODULE_0__.relative)(workspace, (0,node_path__WEBPACK_IMPORTED_MODULE_0__.resolve)(workspace, file.path)).split(node_path__WEBPACK_IMPORTED_MODULE_0__.sep).join('/');
        if (path.startsWith('..') || path === '')
            continue;
        const sha = await existingSha(octokit, repo, branch, path);
        if (file.content === null) {
            if (!sha)
                continue;
            await octokit.rest.repos.deleteFile({ ...repo, path, branch, sha, message });
        }
        else {
            await octokit.rest.repos.createOrUpdateFileContents({
                ...repo,
                path,
                branch,
                message,
                content: Buffer.from(file.content, 'utf8').toString('base64'),
                ...(sha ? { sha } : {}),
            });
        }
        done.push(path);
    }
    return done;
}
async function existingSha(octokit, repo, ref, path) {
    try {
        const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
        return !Array.isArray(data) && 'sha' in data ? data.sha : undefined;
    }
    catch (e) {
        if (e.status === 404)
            return undefined;
        throw e;
    }
}


/***/ })

};
;
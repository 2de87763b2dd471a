export const id = 532;
export const ids = [532];
export const modules = {

/***/ 1532:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   openOrUpdatePullRequest: () => (/* binding */ openOrUpdatePullRequest)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8258);
// Opens or updates the pull request of pull-request mode through the GitHub REST API
// (GITHUB_API_URL, so GitHub Enterprise Server and local fakes work alike).

async function openOrUpdatePullRequest(request) {
    const octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(request.token, { baseUrl: request.apiUrl });
    const [owner = '', repo = ''] = request.repository.split('/');
    // GET /repos/{owner}/{repo}/pulls?head=owner:branch finds the one a previous run opened.
    const { data: open } = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${request.head}`, base: request.base, state: 'open' });
    const existing = open[0];
    if (existing) {
        const { data } = await octokit.rest.pulls.update({ owner, repo, pull_number: existing.number, title: request.title, body: request.body });
        return { url: data.html_url, number: data.number, created: false };
    }
    const { data } = await octokit.rest.pulls.create({ owner, repo, head: request.head, base: request.base, title: request.title, body: request.body });
    return { url: data.html_url, number: data.number, created: true };
}


/***/ })

};

//# sourceMappingURL=532.index.js.map
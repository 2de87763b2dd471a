export const id = 21;
export const ids = [21];
export const modules = {

/***/ 6589:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   StatusReadError: () => (/* binding */ StatusReadError),
/* harmony export */   newerRevisionReader: () => (/* binding */ newerRevisionReader),
/* harmony export */   statusReader: () => (/* binding */ statusReader)
/* harmony export */ });
/* harmony import */ var _github_errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(770);
/* harmony import */ var _rate_limit__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7019);
// Reads a commit's statuses through GitHub's REST API: "List commit statuses for a reference",
// GET /repos/{owner}/{repo}/commits/{ref}/statuses, newest first
// (https://docs.github.com/en/rest/commits/statuses#list-commit-statuses-for-a-reference; a
// fine-grained token or App needs "Commit statuses" read, GITHUB_TOKEN `statuses: read`). The ref
// is always a full SHA, never a branch: a later commit of the branch answers for the manifest
// commit only through newerRevisionReader, when it includes that commit.


/**
 * A failed read: transient ones (408, 429, 5xx, no answer) are polled through; so is a rate limit,
 * no sooner than GitHub asked (minDelayMs), unless it asked for longer than the action waits.
 */
class StatusReadError extends Error {
    transient;
    minDelayMs;
    name = 'StatusReadError';
    constructor(message, transient, minDelayMs = 0) {
        super(message);
        this.transient = transient;
        this.minDelayMs = minDelayMs;
    }
}
const HELP = {
    401: 'the token was refused',
    403: 'the token may not read commit statuses or the branch (GITHUB_TOKEN needs permissions: statuses: read and contents: read; an App or fine-grained token "Commit statuses: read" and "Contents: read")',
    404: 'no such repository, branch or commit visible to the token (it needs statuses: read and contents: read on the repository)',
};
// One page of 100 holds the newest statuses of every context that matters here: Argo CD sets a
// handful per revision, and the newest status of a context decides.
const PER_PAGE = 100;
const REQUEST_TIMEOUT_MS = 30_000;
/** Runs one request; a failure becomes a StatusReadError that says whether polling may outlast it. */
async function request(what, call) {
    try {
        return await call(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    }
    catch (error) {
        // A rate limit (403 or 429, by rate-limit.ts's one rule) says how long to wait before the next poll.
        const limited = (0,_rate_limit__WEBPACK_IMPORTED_MODULE_1__/* .rateLimitedError */ .Xq)(error, Date.now());
        if (limited)
            throw new StatusReadError(`${what}: ${(0,_rate_limit__WEBPACK_IMPORTED_MODULE_1__/* .describeRateLimit */ .J8)(limited.limit)}`, limited.retryable, limited.minDelayMs);
        const { status, message } = (0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .restFailure */ .$e)(error);
        // No HTTP answer reaches Octokit as status 500 with the cause's message.
        // Broader than isTransientGitHubFailure on purpose: polling outlasts anything without an answer (status 0, our own timeout included).
        const transient = status === 0 || (0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .isTransientGitHubFailure */ .E$)(status, error);
        const help = transient ? 'will poll again' : (HELP[status] ?? 'GitHub refused the request');
        throw new StatusReadError(`${what}: ${status || 'no answer'} ${message} (${help})`, transient);
    }
}
function statusReader(octokit, repository) {
    const [owner = '', repo = ''] = repository.split('/');
    return async (revision) => {
        const { data } = await request(`GET /repos/${repository}/commits/${revision}/statuses`, (signal) => octokit.rest.repos.listCommitStatusesForRef({ owner, repo, ref: revision, per_page: PER_PAGE, request: { signal } }));
        return data.map((s) => ({ state: s.state, context: s.context, description: s.description, target_url: s.target_url, updated_at: s.updated_at }));
    };
}
/**
 * The branch's head when it is a newer revision that includes `commit`, with its statuses: the head
 * from "Get a reference" (https://docs.github.com/en/rest/git/refs#get-a-reference), the ancestry
 * from "Compare two commits" (https://docs.github.com/en/rest/commits/commits#compare-two-commits:
 * status "ahead" when the head descends from the base), asked once per head. A head that does not
 * include the commit (history rewritten) is no answer for it.
 */
function newerRevisionReader(octokit, repository, branch, commit, read) {
    const [owner = '', repo = ''] = repository.split('/');
    const includes = new Map();
    return async () => {
        const { data: ref } = await request(`GET /repos/${repository}/git/ref/heads/${branch}`, (signal) => octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}`, request: { signal } }));
        const head = ref.object.sha;
        if (head === commit)
            return undefined;
        if (!includes.has(head)) {
            const { data } = await request(`GET /repos/${repository}/compare/${commit}...${head}`, (signal) => octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${commit}...${head}`, per_page: 1, request: { signal } }));
            includes.set(head, data.status === 'ahead');
        }
        return includes.get(head) ? { revision: head, statuses: await read(head) } : undefined;
    };
}


/***/ }),

/***/ 644:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   apiStore: () => (/* binding */ apiStore)
/* harmony export */ });
/* harmony import */ var _aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(393);
/* harmony import */ var _github_errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(770);
/* harmony import */ var _plan__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2224);
/* harmony import */ var _rate_limit__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7019);
// commit-method api: the commit is made on GitHub through the REST Git Data API, so GitHub signs it
// and "require signed commits" rules pass. Each attempt reads the branch head and the files there
// through the same API (one consistent snapshot, by commit sha; no git credentials needed), then
//   POST /repos/{o}/{r}/git/trees    base_tree + the changed files with inline content (GitHub writes the blobs)
//   POST /repos/{o}/{r}/git/commits  message, tree, parents: [head]; no author or committer, or GitHub would not sign it
//   PATCH /repos/{o}/{r}/git/refs/heads/{branch}  sha, force: false: refused with 422 "Update is not a fast forward"
//                                     when the branch moved meanwhile, which publish() retries on the new head.
// Pull-request mode with no open pull request rebuilds its branch on the base and moves it by force.
// The REST update's force takes no expected value, so that move goes through the GraphQL mutation
// updateRefs instead: {name, beforeOid: the tip this attempt read, afterOid, force: true} is refused
// when the branch no longer points at beforeOid, so a commit another run landed meanwhile is never
// overwritten unseen (the same lease as git mode's --force-with-lease).
//   https://docs.github.com/en/graphql/reference/mutations#updaterefs
//   https://docs.github.com/en/graphql/reference/input-objects#refupdate (name is fully qualified: refs/heads/…)
//   https://docs.github.com/en/graphql/reference/input-objects#updaterefsinput (repositoryId: the repository's
//   node ID, node_id of https://docs.github.com/en/rest/repos/repos#get-a-repository)
// https://docs.github.com/en/rest/git/refs, https://docs.github.com/en/rest/git/commits,
// https://docs.github.com/en/rest/git/trees, https://docs.github.com/en/rest/git/blobs




const UPDATE_REFS = `
mutation($repositoryId: ID!, $refUpdates: [RefUpdate!]!) {
  updateRefs(input: { repositoryId: $repositoryId, refUpdates: $refUpdates }) { clientMutationId }
}`;
/** A ref update GitHub refused; retryable (through PushRejectedError) only when not a fast forward. */
class RefUpdateRejectedError extends _aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_3__/* .PushRejectedError */ .$m {
    name = 'RefUpdateRejectedError';
    constructor(kind, status, apiMessage, branch, sha) {
        super(kind, `HTTP ${status}: ${apiMessage}`, `${sha}:${branch}`, `update of branch "${branch}" to ${sha} through the GitHub API rejected: ${(0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .refUpdateHelp */ .WS)(kind)}\nHTTP ${status}: ${apiMessage.trim()}`);
    }
}
function apiStore(options) {
    const { octokit, branch, landBranch, force } = options;
    const [owner = '', repo = ''] = options.repository.split('/');
    // Trees are immutable, so entries read once by sha stay true for every attempt.
    const trees = new Map();
    const commitTrees = new Map();
    async function treeEntries(sha) {
        const cached = trees.get(sha);
        if (cached)
            return cached;
        // GET /repos/{owner}/{repo}/git/trees/{tree_sha}, not recursive: one level at a time is never truncated.
        const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: sha });
        const entries = data.tree.map(({ path, mode, type, sha: entrySha }) => ({ path, mode, type, sha: entrySha }));
        trees.set(sha, entries);
        return entries;
    }
    async function rootTree(commit) {
        const cached = commitTrees.get(commit);
        if (cached)
            return cached;
        const { data } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: commit });
        commitTrees.set(commit, data.tree.sha);
        return data.tree.sha;
    }
    /** The blob entry at a repository-relative path, walking the trees from the commit's root. */
    async function entryAt(commit, path) {
        let tree = await rootTree(commit);
        const parts = path.split('/');
        for (const [i, part] of parts.entries()) {
            const entry = (await treeEntries(tree)).find((e) => e.path === part);
            if (!entry)
                return undefined;
            if (i === parts.length - 1)
                return entry.type === 'blob' ? entry : undefined;
            if (entry.type !== 'tree')
                return undefined;
            tree = entry.sha;
        }
        return undefined;
    }
    // Pull-request mode's branch (force): the tip the attempt read, undefined when it found none. Landing
    // creates a missing branch (refused when another run made it meanwhile) and moves an existing one
    // only from that tip (updateRefs' beforeOid), so either way a commit landed since the read stays.
    let landTip;
    async function observeLandBranch() {
        landTip = await refTip(landBranch);
    }
    let repositoryNodeId;
    async function repositoryId() {
        // GET /repos/{owner}/{repo}: node_id is what updateRefs' repositoryId takes.
        repositoryNodeId ??= (await octokit.rest.repos.get({ owner, repo })).data.node_id;
        return repositoryNodeId;
    }
    async function forceLand(sha, expected) {
        const name = `refs/heads/${landBranch}`;
        try {
            await octokit.graphql(UPDATE_REFS, { repositoryId: await repositoryId(), refUpdates: [{ name, beforeOid: expected, afterOid: sha, force: true }] });
        }
        catch (error) {
            // A rate limit (GraphQL's comes with 200, past the client's hook) is waited out by publish(), not sorted here.
            (0,_rate_limit__WEBPACK_IMPORTED_MODULE_2__/* .rethrowRateLimit */ .By)(error);
            const { status } = (0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .restFailure */ .$e)(error);
            const message = (0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .graphqlMessages */ .Cj)(error).join('; ');
            // A dropped connection, 5xx, 429 or 408 may come after the ref moved: transient, and publish() checks.
            if ((0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .isTransientGitHubFailure */ .E$)(status, error))
                throw new RefUpdateRejectedError('transient', status, message, landBranch, sha);
            // The documentation gives no wording for a stale beforeOid, so the branch itself says whether it
            // moved since the read: then it is another run's commit, and the next attempt reads it again.
            const now = await refTip(landBranch).catch(() => expected);
            const kind = now !== expected ? 'non-fast-forward' : (0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .refUpdateFailure */ .N$)(status, message);
            throw new RefUpdateRejectedError(kind, status || 200, now !== expected ? `${message} (the branch now points at ${now ?? 'nothing'}, not ${expected})` : message, landBranch, sha);
        }
    }
    async function createLandBranch(sha) {
        try {
            // POST /repos/{owner}/{repo}/git/refs: the pull request branch's first commit; 422 "Reference
            // already exists" when another run created it since this attempt looked: a moved branch, tried again.
            await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${landBranch}`, sha });
        }
        catch (error) {
            (0,_rate_limit__WEBPACK_IMPORTED_MODULE_2__/* .rethrowRateLimit */ .By)(error);
            const { status, message } = (0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .restFailure */ .$e)(error);
            throw new RefUpdateRejectedError((0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .refUpdateFailure */ .N$)(status, message), status, message, landBranch, sha);
        }
    }
    /** The branch's tip, undefined on a 404 (no such branch). */
    async function refTip(name) {
        try {
            // GET /repos/{owner}/{repo}/git/ref/heads/{branch}
            const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${name}` });
            return data.object.sha;
        }
        catch (error) {
            // A rate limit is neither a missing branch nor a refusal: publish() waits what GitHub asked, then reads again.
            (0,_rate_limit__WEBPACK_IMPORTED_MODULE_2__/* .rethrowRateLimit */ .By)(error);
            const { status, message } = (0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .restFailure */ .$e)(error);
            if (status === 404)
                return undefined;
            const text = `cannot read branch "${name}" of ${options.repository} through the GitHub API: ${message}${status ? ` (HTTP ${status})` : ''}`;
            // A server error, throttling, a timeout or a dropped connection is worth another attempt, like a failed ref update.
            if ((0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .isTransientGitHubFailure */ .E$)(status, error))
                throw new _aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_3__/* .PushRejectedError */ .$m('transient', `HTTP ${status}: ${message}`, `${options.repository}@${name}`, text);
            throw new _plan__WEBPACK_IMPORTED_MODULE_1__/* .ManifestError */ .Sh(text);
        }
    }
    async function readHead() {
        const head = await refTip(branch);
        if (head === undefined) {
            throw new _plan__WEBPACK_IMPORTED_MODULE_1__/* .ManifestError */ .Sh(`cannot read branch "${branch}" of ${options.repository} through the GitHub API: there is no such branch, or the token cannot read the repository (HTTP 404)`);
        }
        return head;
    }
    return {
        async base() {
            const [head] = await Promise.all([readHead(), force ? observeLandBranch() : undefined]);
            return head;
        },
        async read(base, path) {
            const entry = await entryAt(base, path);
            if (!entry)
                return undefined;
            // GET /repos/{owner}/{repo}/git/blobs/{file_sha}: base64 content.
            const { data } = await octokit.rest.git.getBlob({ owner, repo, file_sha: entry.sha });
            return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
        },
        async commit(base, files, message) {
            const entries = [];
            for (const file of files) {
                const mode = ((await entryAt(base, file.path))?.mode ?? '100644');
                entries.push({ path: file.path, mode, type: 'blob', content: file.content });
            }
            const { data: tree } = await octokit.rest.git.createTree({ owner, repo, base_tree: await rootTree(base), tree: entries });
            // No author/committer: GitHub then uses the token's identity and signs the commit.
            const { data: commit } = await octokit.rest.git.createCommit({ owner, repo, message, tree: tree.sha, parents: [base] });
            return commit.sha;
        },
        async contains(tip, commit) {
            // Back from the tip along first parents (bump commits are linear): a ref update whose answer
            // was lost happened moments ago, so the commit, if it landed, is among the last few.
            let sha = tip;
            for (let steps = 0; sha && steps < 50; steps++) {
                if (sha === commit)
                    return true;
                const parent = (await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha })).data;
                commitTrees.set(sha, parent.tree.sha);
                sha = parent.parents[0]?.sha;
            }
            return false;
        },
        async land(sha) {
            if (force)
                return landTip === undefined ? createLandBranch(sha) : forceLand(sha, landTip);
            try {
                await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${landBranch}`, sha, force: false });
            }
            catch (error) {
                // 403 "You have exceeded a secondary rate limit" is no missing permission: waited out and tried again.
                (0,_rate_limit__WEBPACK_IMPORTED_MODULE_2__/* .rethrowRateLimit */ .By)(error);
                const { status, message } = (0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .restFailure */ .$e)(error);
                throw new RefUpdateRejectedError((0,_github_errors__WEBPACK_IMPORTED_MODULE_0__/* .refUpdateFailure */ .N$)(status, message), status, message, landBranch, sha);
            }
        },
    };
}


/***/ }),

/***/ 770:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $e: () => (/* binding */ restFailure),
/* harmony export */   Cj: () => (/* binding */ graphqlMessages),
/* harmony export */   DR: () => (/* binding */ pullRequestCreateRefusal),
/* harmony export */   DZ: () => (/* binding */ PULL_REQUEST_CREATE_HELP),
/* harmony export */   E$: () => (/* binding */ isTransientGitHubFailure),
/* harmony export */   N$: () => (/* binding */ refUpdateFailure),
/* harmony export */   Pw: () => (/* binding */ restErrorMessages),
/* harmony export */   WS: () => (/* binding */ refUpdateHelp),
/* harmony export */   Xv: () => (/* binding */ AUTO_MERGE_HELP),
/* harmony export */   aX: () => (/* binding */ autoMergeRefusal)
/* harmony export */ });
/* harmony import */ var _aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(29);
/* harmony import */ var _aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(393);
/* harmony import */ var _aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7606);
// What GitHub's answers mean for the API paths: a refused ref update (commit-method api) and a
// refused auto-merge (pull-request mode). Pure: Octokit's errors narrowed to status codes and
// messages here, then a verdict out. A rate limit (403 or 429 by rate-limit.ts's rule) is none of
// these verdicts: github() turns it into a RateLimitedError before any catch block sorts the answer.

/** Status and GitHub's own message of an Octokit RequestError (REST), or status 0 and the message of anything else thrown. */
function restFailure(error) {
    const e = error;
    const status = typeof e?.status === 'number' ? e.status : 0;
    const data = e?.response?.data?.message;
    return { status, message: typeof data === 'string' ? data : (0,_aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .g)(error) };
}
/** GraphQL errors arrive with HTTP 200 as `{errors: [{message}]}`; @octokit/graphql throws them with `errors`. */
function graphqlMessages(error) {
    const errors = error?.errors;
    if (Array.isArray(errors))
        return errors.map((e) => String(e.message ?? ''));
    return [(0,_aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .g)(error)];
}
/**
 * Sorts a refused `PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}`
 * (https://docs.github.com/en/rest/git/refs#update-a-reference: 200, 409 and 422 with
 * `{message, documentation_url}`). Only "Update is not a fast forward" (the branch moved since it
 * was read) is worth another attempt; a ruleset or branch protection ("Repository rule violations
 * found", "Reference cannot be updated"), a missing permission or an empty repository (409 "Git
 * Repository is empty.") will say the same thing again.
 */
function refUpdateFailure(status, message) {
    if (status === 422 && /not a fast.?forward/i.test(message))
        return 'non-fast-forward';
    // Creating pull-request mode's branch after another run created it: the branch moved, as above.
    if (status === 422 && /reference already exists/i.test(message))
        return 'non-fast-forward';
    // Rulesets and branch protection refuse a ref update in the words (and GH0xx codes) they refuse a
    // push in: the toolkit's push classifier holds that rule; "Reference cannot be updated" is the API's own.
    if (/reference cannot be updated/i.test(message) || (0,_aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_1__/* .classifyPushFailure */ .hN)(message) === 'protected-branch')
        return 'protected-branch';
    if (status === 401 || status === 403 || status === 404)
        return 'authentication';
    // A 5xx or 429 (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api), or
    // a 408 (see isTransientGitHubFailure), may come after the ref moved: publish() compares the branch
    // with the commit before trying again.
    if ((0,_aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_2__/* .isTransientHttpStatus */ .Jl)(status))
        return 'transient';
    return 'other';
}
/**
 * A GitHub API call worth another attempt: a status the toolkit calls transient (408, 429, 5xx) or
 * a network error with no answer. 408 counts although GitHub documents none for the Git Data API
 * (Update a reference answers 200, 409 or 422): a request GitHub stops after 10 s gets "a timeout
 * response" of unnamed status
 * (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#timeouts), and
 * GitHub's own client retries it (@octokit/plugin-retry: every 4xx/5xx but 400, 401, 403, 404, 410,
 * 422, 451). Another attempt is safe even if the ref moved meanwhile: publish() first checks
 * whether the commit landed.
 */
function isTransientGitHubFailure(status, error) {
    return (0,_aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_2__/* .isTransientHttpStatus */ .Jl)(status) || (0,_aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_2__/* .isTransientNetworkError */ .l)(error);
}
const REF_UPDATE_HELP = {
    'non-fast-forward': 'the branch moved since it was read (not a fast forward)',
    'protected-branch': 'a ruleset or branch protection rule refused it; GITHUB_TOKEN cannot bypass rulesets: use pull-request mode (a required pull request or required checks) or a token on the bypass list',
    'hook-declined': 'a server-side hook declined it',
    authentication: 'the token may not write to this repository (it needs contents: write)',
    other: 'GitHub refused it',
};
function refUpdateHelp(kind) {
    return REF_UPDATE_HELP[kind] ?? (0,_aks_gitops_toolkit__WEBPACK_IMPORTED_MODULE_1__/* .pushFailureHelp */ .q3)(kind);
}
/**
 * GraphQL refusals of `enablePullRequestAutoMerge` that leave a working pull request, only not set
 * to merge itself: "Auto merge is not allowed for this repository" (the repository setting "Allow
 * auto-merge" is off), "Pull request is in clean status" / "unstable status" (nothing left to wait
 * for: the mutation only arms a pull request that is still blocked; "Can't enable auto-merge for
 * this pull request" is the same race seen when the last check passes first), and "Protected branch
 * rules not configured for this branch" (nothing to wait for either). Anything else (a missing
 * permission, a merge method the repository does not allow) is a configuration error.
 * https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/incorporating-changes-from-a-pull-request/automatically-merging-a-pull-request
 */
function autoMergeRefusal(message) {
    if (/auto.?merge is not allowed|not allowed to use auto.?merge/i.test(message))
        return 'not-allowed';
    if (/is in (clean|unstable|has_hooks) status|protected branch rules not configured|can'?t enable auto-?merge for this pull request/i.test(message))
        return 'already-mergeable';
    return undefined;
}
const AUTO_MERGE_HELP = {
    'not-allowed': 'the repository does not allow auto-merge (Settings > General > Allow auto-merge)',
    'already-mergeable': 'the pull request can already be merged (no required check or review is pending), so there is nothing for auto-merge to wait for',
};
/** The messages of a REST error's `errors` array: 422 "Validation Failed" carries its reason there. */
function restErrorMessages(error) {
    const errors = error?.response?.data?.errors;
    if (!Array.isArray(errors))
        return [];
    return errors.map((e) => (typeof e === 'string' ? e : String(e?.message ?? ''))).filter((m) => m !== '');
}
/**
 * Sorts a refused "Create a pull request"
 * (https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request: 201, 403, 422). The bodies GitHub sends:
 * - 422 `{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for OWNER:BRANCH."}]}`:
 *   another run opened it first;
 * - 403 `{"message":"GitHub Actions is not permitted to create or approve pull requests."}`: GITHUB_TOKEN,
 *   and the repository (or its organization) leaves "Allow GitHub Actions to create and approve pull
 *   requests" off, the default for new repositories since 2022-05
 *   (https://github.blog/changelog/2022-05-03-github-actions-prevent-github-actions-from-creating-and-approving-pull-requests/);
 * - 403 `{"message":"Resource not accessible by integration"}`: the token lacks `pull-requests: write`.
 */
function pullRequestCreateRefusal(status, message, details) {
    if (status === 422 && details.some((d) => /a pull request already exists/i.test(d)))
        return 'already-exists';
    if (status === 403 && /not permitted to create or approve pull requests/i.test(message))
        return 'actions-not-permitted';
    if (status === 403 && /resource not accessible by integration/i.test(message))
        return 'no-permission';
    return undefined;
}
const PULL_REQUEST_CREATE_HELP = {
    'actions-not-permitted': 'GITHUB_TOKEN may not open pull requests in this repository. Either turn on Settings > Actions > General > Workflow permissions > ' +
        '"Allow GitHub Actions to create and approve pull requests" (in an organization its own Actions setting must allow it first), ' +
        'or, better, pass a GitHub App installation token as the token input: a pull request opened with GITHUB_TOKEN starts no ' +
        'pull_request workflow, so its required checks never report and auto-merge waits forever',
    'no-permission': 'the token may not open pull requests: give the job `permissions: pull-requests: write` (a GitHub App: Pull requests, read and write)',
};


/***/ }),

/***/ 8665:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   pullRequestBranchStore: () => (/* binding */ pullRequestBranchStore)
/* harmony export */ });
function pullRequestBranchStore(options) {
    let open;
    let store = options.rebuilt;
    return {
        async base() {
            open = await options.findOpen();
            store = open === undefined ? options.rebuilt : options.stacked;
            return store.base();
        },
        read: (base, path) => store.read(base, path),
        // The chosen store's one-read and ancestry checks, when it has them (see CommitStore).
        async readAll(base, paths) {
            if (store.readAll)
                return store.readAll(base, paths);
            const files = new Map();
            for (const path of paths) {
                const text = await store.read(base, path);
                if (text !== undefined)
                    files.set(path, text);
            }
            return files;
        },
        contains: async (tip, commit) => (store.contains ? store.contains(tip, commit) : tip === commit),
        commit: (base, files, message) => store.commit(base, files, message),
        land: (commit) => store.land(commit),
        open: () => open,
    };
}


/***/ }),

/***/ 1532:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   enableAutoMerge: () => (/* binding */ enableAutoMerge),
/* harmony export */   findOpenPullRequest: () => (/* binding */ findOpenPullRequest),
/* harmony export */   github: () => (/* binding */ github),
/* harmony export */   openOrUpdatePullRequest: () => (/* binding */ openOrUpdatePullRequest)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8258);
/* harmony import */ var _github_errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(770);
/* harmony import */ var _rate_limit__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7019);
// Opens or updates the pull request of pull-request mode through the GitHub REST API
// (GITHUB_API_URL, so GitHub Enterprise Server and local fakes work alike), and arms auto-merge on
// it through the GraphQL API, the only API that has it.



/**
 * One client for REST and GraphQL; @octokit/graphql derives the GraphQL URL from baseUrl (…/api/v3 →
 * …/api/graphql on GHES). Every answer that is a rate limit leaves it as a RateLimitedError (rate-limit.ts),
 * whichever call made it, so each caller's loop waits what GitHub asked for.
 */
function github(token, apiUrl) {
    const octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(token, { baseUrl: apiUrl });
    octokit.hook.error('request', (error) => {
        throw (0,_rate_limit__WEBPACK_IMPORTED_MODULE_2__/* .rateLimitedError */ .Xq)(error, Date.now()) ?? error;
    });
    return octokit;
}
/** The open pull request from `head` to `base`: GET /repos/{owner}/{repo}/pulls?head=OWNER:BRANCH&base=BASE&state=open. */
async function findOpenPullRequest(octokit, repository, head, base) {
    const [owner = '', repo = ''] = repository.split('/');
    const { data } = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${head}`, base, state: 'open' });
    const pull = data[0];
    return pull && { url: pull.html_url, number: pull.number, nodeId: pull.node_id, headSha: pull.head.sha };
}
async function updatePullRequest(octokit, request, number) {
    const [owner = '', repo = ''] = request.repository.split('/');
    const { data } = await octokit.rest.pulls.update({ owner, repo, pull_number: number, title: request.title, body: request.body });
    return { url: data.html_url, number: data.number, nodeId: data.node_id, created: false };
}
/**
 * Updates `open` (the pull request this run's commit was stacked on) or opens one. Two runs of one
 * image and environment that both found none race to open it: the loser gets 422 "A pull request
 * already exists", finds the winner's and updates it, unless the head is no longer its own commit
 * (the later run's title then stays). A 403 says what to enable or which token to use.
 */
async function openOrUpdatePullRequest(octokit, request, open) {
    if (open)
        return updatePullRequest(octokit, request, open.number);
    const [owner = '', repo = ''] = request.repository.split('/');
    try {
        const { data } = await octokit.rest.pulls.create({ owner, repo, head: request.head, base: request.base, title: request.title, body: request.body });
        return { url: data.html_url, number: data.number, nodeId: data.node_id, created: true };
    }
    catch (error) {
        (0,_rate_limit__WEBPACK_IMPORTED_MODULE_2__/* .rethrowRateLimit */ .By)(error);
        const { status, message } = (0,_github_errors__WEBPACK_IMPORTED_MODULE_1__/* .restFailure */ .$e)(error);
        const refusal = (0,_github_errors__WEBPACK_IMPORTED_MODULE_1__/* .pullRequestCreateRefusal */ .DR)(status, message, (0,_github_errors__WEBPACK_IMPORTED_MODULE_1__/* .restErrorMessages */ .Pw)(error));
        if (refusal === 'already-exists') {
            const raced = await findOpenPullRequest(octokit, request.repository, request.head, request.base);
            if (raced && raced.headSha !== request.commit)
                return { url: raced.url, number: raced.number, nodeId: raced.nodeId, created: false, supersededBy: raced.headSha };
            if (raced)
                return updatePullRequest(octokit, request, raced.number);
        }
        if (refusal && refusal !== 'already-exists') {
            throw new Error(`pull request from ${request.head} to ${request.base} not opened (HTTP ${status} "${message}"): ${_github_errors__WEBPACK_IMPORTED_MODULE_1__/* .PULL_REQUEST_CREATE_HELP */ .DZ[refusal]}. The commit ${request.commit} is on branch ${request.head}.`);
        }
        throw error;
    }
}
// https://docs.github.com/en/graphql/reference/mutations#enablepullrequestautomerge
// expectedHeadOid: arm it only while the pull request's head is the commit this run made, so a
// commit pushed onto the branch by someone else is never merged unseen.
const ENABLE_AUTO_MERGE = `
mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!, $expectedHeadOid: GitObjectID) {
  enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod, expectedHeadOid: $expectedHeadOid }) {
    pullRequest { autoMergeRequest { mergeMethod enabledAt } }
  }
}`;
/**
 * Enables auto-merge on the pull request. A repository that does not allow it, or a pull request
 * with nothing left to wait for, is reported (the pull request stays open); anything else throws.
 */
async function enableAutoMerge(octokit, pullRequestId, method, expectedHeadOid) {
    try {
        await octokit.graphql(ENABLE_AUTO_MERGE, { pullRequestId, mergeMethod: method.toUpperCase(), expectedHeadOid });
        return { state: 'enabled' };
    }
    catch (error) {
        // GraphQL's rate limits answer 200 with an error, past the client's hook.
        (0,_rate_limit__WEBPACK_IMPORTED_MODULE_2__/* .rethrowRateLimit */ .By)(error);
        const messages = (0,_github_errors__WEBPACK_IMPORTED_MODULE_1__/* .graphqlMessages */ .Cj)(error);
        for (const message of messages) {
            const refusal = (0,_github_errors__WEBPACK_IMPORTED_MODULE_1__/* .autoMergeRefusal */ .aX)(message);
            if (refusal)
                return { state: refusal, reason: `${_github_errors__WEBPACK_IMPORTED_MODULE_1__/* .AUTO_MERGE_HELP */ .Xv[refusal]} (GitHub: "${message}")` };
        }
        throw new Error(`auto-merge (${method}) could not be enabled: ${messages.join('; ')}`);
    }
}


/***/ }),

/***/ 3699:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   jobStages: () => (/* binding */ jobStages),
/* harmony export */   readRunJobs: () => (/* binding */ readRunJobs)
/* harmony export */ });
/** Completed jobs that ran (not skipped), in the order they started, with their seconds. Pure. */
function jobStages(jobs) {
    return jobs
        .filter((job) => job.status === 'completed' && job.completed_at && job.conclusion !== 'skipped')
        .map((job) => ({ name: job.name, start: Date.parse(job.started_at), end: Date.parse(job.completed_at) }))
        .filter((job) => Number.isFinite(job.start) && Number.isFinite(job.end) && job.end >= job.start)
        .sort((a, b) => a.start - b.start)
        .map((job) => ({ name: job.name.replace(/[,=\r\n]/g, ' '), seconds: (job.end - job.start) / 1000 }));
}
/** Every job of the run attempt, all pages (100 a page). */
async function readRunJobs(octokit, repository, runId, attempt) {
    const [owner = '', repo = ''] = repository.split('/');
    const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRunAttempt, { owner, repo, run_id: runId, attempt_number: attempt, per_page: 100 });
    return jobs;
}


/***/ })

};

//# sourceMappingURL=21.index.js.map
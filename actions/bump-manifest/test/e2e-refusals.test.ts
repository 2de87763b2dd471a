// Bad input through the real bundle: one clear error naming the problem, and no side effect at all.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment, git, kustomization, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const VOTE = 'k8s/vote-deployment.yaml'
const seed = {
  [VOTE]: deployment('vote'),
  'k8s/kustomization.yaml': kustomization(['vote', 'result']),
  'k8s/broken.yaml': 'kind: Deployment\nspec: {template: [unclosed\n',
  'k8s/canary.yaml': deployment('vote').replace('- name: redis\n          image: redis:7-alpine', `- name: canary\n          image: ${REGISTRY}/vote:1.1.0-rc.1`),
}

/** Every file of the work tree (including .git) with its content, to prove nothing changed. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (!full.includes(`${join('.git', 'logs')}`)) files.set(full, readFileSync(full, 'latin1'))
    }
  }
  walk(dir)
  return files
}

let box: Sandbox
let work: string
beforeAll(() => {
  box = sandbox(seed)
  work = box.clone()
})
afterAll(() => box.remove())

const image = `${REGISTRY}/vote`
describe('refusals change nothing', () => {
  it.each([
    ['a tag with shell metacharacters', { files: VOTE, image, tag: '1.2.3;rm -rf /' }, /^Input "tag": "1\.2\.3;rm -rf \/" is not a valid tag/],
    ['a tag with a space', { files: VOTE, image, tag: '1.2 3' }, /^Input "tag"/],
    ['a tag with ../', { files: VOTE, image, tag: '../../etc' }, /^Input "tag"/],
    ['a 129-character tag', { files: VOTE, image, tag: 'a'.repeat(129) }, /^Input "tag".*\(129 characters\)/],
    ['a short digest', { files: VOTE, image, digest: 'sha256:abcd' }, /^Input "digest": .*64 hex characters, got 4/],
    ['neither tag nor digest', { files: VOTE, image }, /^Input "tag": give a tag, a digest, or both/],
    ['a missing file', { files: 'k8s/nope.yaml', image, tag: '1.2.3' }, /^Input "files": "k8s\/nope.yaml" does not exist/],
    ['a glob matching nothing', { files: 'deploy/**/*.yaml', image, tag: '1.2.3' }, /^Input "files": "deploy\/\*\*\/\*.yaml" matches no file/],
    ['a file outside the work tree', { files: '../seed/k8s/vote-deployment.yaml', image, tag: '1.2.3' }, /points outside the working directory/],
    ['YAML that does not parse', { files: `${VOTE}\nk8s/broken.yaml`, image, tag: '1.2.3' }, /^k8s\/broken.yaml: the YAML does not parse/],
    ['an image that matches nothing', { files: VOTE, image: `${REGISTRY}/worker`, tag: '1.2.3' }, /^k8s\/vote-deployment.yaml: nothing references myacr.azurecr.io\/worker/],
    ['an image no globbed file uses', { files: 'k8s/*-deployment.yaml', image: `${REGISTRY}/worker`, tag: '1' }, /nothing references myacr.azurecr.io\/worker/],
    ['an ambiguous match', { files: 'k8s/canary.yaml', image, tag: '1.2.3' }, /2 different references in one workload.*set the container input/],
    ['a skip marker in the message', { files: VOTE, image, tag: '1.2.3', 'commit-message': '{image} [skip ci]' }, /^Input "commit-message": contains "\[skip ci\]"/],
    ['an unknown remote', { files: VOTE, image, tag: '1.2.3', remote: 'upstream' }, /^Input "remote": "upstream" is not a remote/],
  ])('%s', async (_case, inputs, why) => {
    const before = snapshot(work)
    const head = box.remoteHead()
    const run = await runBump(work, inputs)
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(why)
    expect(run.outputs.changed).toBeUndefined()
    expect(box.remoteHead()).toBe(head)
    // Compared before `git status`, which may refresh .git/index on its own.
    expect(snapshot(work)).toEqual(before)
    expect(git(work, 'status', '--porcelain', '--ignored')).toBe('')
  })
})

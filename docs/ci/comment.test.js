// Tests of comment.js with a fake GitHub client: `node --test docs/ci/`
// (scripts/test runs it). Each case is a way a pull request once chose
// where the plan went, or took over a comment.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ci = require('./comment.js');

function fakeGithub({ prs = [], comments = [] } = {}) {
  const calls = [];
  const record = (name, result) => async (params) => {
    calls.push({ name, params });
    return { data: typeof result === 'function' ? result(params) : result };
  };
  return {
    calls,
    paginate: async (fn, params) => (await fn(params)).data,
    rest: {
      pulls: { list: record('pulls.list', (p) => prs.filter((x) => `${x.head.repo_owner}:${x.head.ref}` === p.head)) },
      issues: {
        listComments: record('issues.listComments', comments),
        updateComment: record('issues.updateComment', {}),
        createComment: record('issues.createComment', {}),
      },
      repos: { createCommitStatus: record('repos.createCommitStatus', {}) },
    },
  };
}

const context = {
  repo: { owner: 'acme', repo: 'platform' },
  payload: {
    workflow_run: {
      head_sha: 'abc123', head_branch: 'feature', head_repository: { owner: { login: 'forker' } },
    },
  },
};

function pr(number, sha, base = 'acme/platform') {
  return { number, head: { sha, ref: 'feature', repo_owner: 'forker' }, base: { sha: 'base1', repo: { full_name: base } } };
}

test('the pull request is the one whose head is the run\'s commit', async () => {
  const github = fakeGithub({ prs: [pr(7, 'old'), pr(8, 'abc123')] });
  const found = await ci.findPullRequest({ github, context });
  assert.strictEqual(found.number, 8);
});

test('no unique pull request: refuse rather than guess', async () => {
  await assert.rejects(ci.findPullRequest({ github: fakeGithub({ prs: [] }), context }), /found 0/);
  const other = fakeGithub({ prs: [pr(9, 'abc123', 'someone/else')] });
  await assert.rejects(ci.findPullRequest({ github: other, context }), /found 0/);
});

function planDir(status) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-'));
  fs.writeFileSync(path.join(dir, 'plan.md'), '## meshsynth diff\n');
  fs.writeFileSync(path.join(dir, 'status'), `${status}\n`);
  // A pull request may write anything in its artifact: it is never read.
  fs.writeFileSync(path.join(dir, 'pr-number'), '1\n');
  return dir;
}

test('a comment with the marker by another user is not taken over', async () => {
  const github = fakeGithub({
    comments: [{ id: 1, body: `${ci.MARKER}\nfake "No changes."`, user: { login: 'mallory', type: 'User' } }],
  });
  await ci.publish({ github, context, dir: planDir('success'), number: 8 });
  const names = github.calls.map((c) => c.name);
  assert.ok(names.includes('issues.createComment'));
  assert.ok(!names.includes('issues.updateComment'));
  const created = github.calls.find((c) => c.name === 'issues.createComment');
  assert.strictEqual(created.params.issue_number, 8);
  assert.ok(created.params.body.startsWith(ci.MARKER));
});

test('the bot\'s own comment is updated, and the status follows the plan', async () => {
  const github = fakeGithub({
    comments: [{ id: 5, body: `${ci.MARKER}\nold plan`, user: { login: ci.BOT, type: 'Bot' } }],
  });
  await ci.publish({ github, context, dir: planDir('failure'), number: 8 });
  const update = github.calls.find((c) => c.name === 'issues.updateComment');
  assert.strictEqual(update.params.comment_id, 5);
  const status = github.calls.find((c) => c.name === 'repos.createCommitStatus');
  assert.strictEqual(status.params.state, 'failure');
  assert.strictEqual(status.params.sha, 'abc123');
});

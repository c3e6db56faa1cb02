// The trusted half of the CI recipe (docs/ci.md), run by actions/github-script
// in the `meshsynth plan` workflow. Nothing here comes from the pull request:
// the pull request is found through GitHub's API from the run that produced
// the artifact, and the only comment ever updated is this workflow's own.
'use strict';

const fs = require('fs');
const path = require('path');

/** Marks the plan comment; only the bot's own comment with it is updated. */
const MARKER = '<!-- meshsynth-plan -->';
/** The login the workflow's token comments as. */
const BOT = 'github-actions[bot]';

/**
 * The open pull request of this repository whose head is the commit the
 * assembly run built. The artifact is never asked: a pull request cannot
 * choose where the plan is posted.
 */
async function findPullRequest({ github, context }) {
  const run = context.payload.workflow_run;
  const { owner, repo } = context.repo;
  const headOwner = run.head_repository && run.head_repository.owner && run.head_repository.owner.login;
  if (!headOwner || !run.head_branch || !run.head_sha) {
    throw new Error('the workflow run names no head repository, branch or commit');
  }
  const prs = await github.paginate(github.rest.pulls.list, {
    owner, repo, state: 'open', head: `${headOwner}:${run.head_branch}`, per_page: 100,
  });
  const matches = prs.filter((p) => p.head && p.head.sha === run.head_sha
    && p.base && p.base.repo && p.base.repo.full_name === `${owner}/${repo}`);
  if (matches.length !== 1) {
    throw new Error(`expected one open pull request with head ${run.head_sha}, found ${matches.length}`);
  }
  return matches[0];
}

/** The bot's own plan comment on the pull request, if it posted one. */
async function findOwnComment({ github, context, number }) {
  const { owner, repo } = context.repo;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number: number, per_page: 100,
  });
  return comments.find((c) => c.user && c.user.login === BOT && c.user.type === 'Bot'
    && typeof c.body === 'string' && c.body.startsWith(MARKER));
}

/**
 * Posts (or updates) the plan comment from `dir/plan.md` and sets the
 * `meshsynth plan` commit status from `dir/status` on the commit the plan is of.
 */
async function publish({ github, context, dir, number }) {
  const { owner, repo } = context.repo;
  const plan = fs.readFileSync(path.join(dir, 'plan.md'), 'utf8');
  const body = `${MARKER}\n${plan}`;
  const mine = await findOwnComment({ github, context, number });
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number: number, body });
  }
  const status = fs.readFileSync(path.join(dir, 'status'), 'utf8').trim();
  const state = status === 'success' ? 'success' : 'failure';
  await github.rest.repos.createCommitStatus({
    owner, repo, sha: context.payload.workflow_run.head_sha, state,
    context: 'meshsynth plan',
    description: state === 'success'
      ? 'no widened access, no data loss'
      : 'widens access or deletes data: review the plan',
  });
}

module.exports = { MARKER, BOT, findPullRequest, findOwnComment, publish };

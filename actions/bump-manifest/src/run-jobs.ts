// The seconds each earlier job of this workflow run took, for the receipt's stages, from GitHub's
// "List jobs for a workflow run attempt" (GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs,
// https://docs.github.com/en/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt; the
// token needs actions: read). Each job has name, status, conclusion, started_at and completed_at.
import type { Octokit } from './pull-request'

export interface RunJob {
  name: string
  status: string
  conclusion: string | null
  started_at: string
  completed_at: string | null
}

/** Completed jobs that ran (not skipped), in the order they started, with their seconds. Pure. */
export function jobStages(jobs: readonly RunJob[]): { name: string; seconds: number }[] {
  return jobs
    .filter((job) => job.status === 'completed' && job.completed_at && job.conclusion !== 'skipped')
    .map((job) => ({ name: job.name, start: Date.parse(job.started_at), end: Date.parse(job.completed_at as string) }))
    .filter((job) => Number.isFinite(job.start) && Number.isFinite(job.end) && job.end >= job.start)
    .sort((a, b) => a.start - b.start)
    .map((job) => ({ name: job.name.replace(/[,=\r\n]/g, ' '), seconds: (job.end - job.start) / 1000 }))
}

/** Every job of the run attempt, all pages (100 a page). */
export async function readRunJobs(octokit: Octokit, repository: string, runId: number, attempt: number): Promise<RunJob[]> {
  const [owner = '', repo = ''] = repository.split('/')
  const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRunAttempt, { owner, repo, run_id: runId, attempt_number: attempt, per_page: 100 })
  return jobs as unknown as RunJob[]
}

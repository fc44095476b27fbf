/**
 * 0002: the Job & Task services' tables (src/services/README.md says why each is shaped so): jobs and
 * their runs, tasks with subtasks, the many-to-many job–task link, the outbox the bus publisher reads,
 * and the run projection's stream positions. `updated_at` is stamped by 0001's trigger.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

const statements = [
  `CREATE TABLE jobs (
  id              uuid PRIMARY KEY,
  user_id         bigint      NOT NULL,
  domain          text        NOT NULL CHECK (domain ~ '^[a-z][a-z0-9_]{0,31}$'),
  name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description     text,
  payload         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  status          text        NOT NULL CHECK (status IN ('pending','scheduled','running','succeeded','failed','cancelled')),
  priority        smallint    NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
  schedule_kind   text        CHECK (schedule_kind IN ('at','cron')),
  run_at          timestamptz,
  cron            text,
  timezone        text,
  max_attempts    integer     NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 100),
  attempts        integer     NOT NULL DEFAULT 0,
  runtime_job_id  text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((schedule_kind IS NULL AND run_at IS NULL AND cron IS NULL)
      OR (schedule_kind = 'at' AND run_at IS NOT NULL AND cron IS NULL)
      OR (schedule_kind = 'cron' AND cron IS NOT NULL AND run_at IS NULL))
)`,
  `CREATE INDEX jobs_user_created ON jobs (user_id, created_at DESC, id DESC)`,
  `CREATE INDEX jobs_status_created ON jobs (status, created_at DESC, id DESC)`,
  `CREATE INDEX jobs_domain_created ON jobs (domain, created_at DESC, id DESC)`,
  `CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC)`,
  `CREATE TABLE job_runs (
  job_id        uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  attempt       integer     NOT NULL CHECK (attempt >= 1),
  execution_id  text        NOT NULL UNIQUE,
  worker        text,
  started_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  outcome       text        NOT NULL CHECK (outcome IN ('running','succeeded','failed','retrying','cancelled')),
  error         text,
  duration_ms   bigint CHECK (duration_ms >= 0),
  PRIMARY KEY (job_id, attempt)
)`,
  `CREATE TABLE tasks (
  id                uuid PRIMARY KEY,
  user_id           bigint      NOT NULL,
  assignee_user_id  bigint,
  title             text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description       text,
  status            text        NOT NULL CHECK (status IN ('open','in_progress','done','cancelled')),
  priority          smallint    NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
  parent_id         uuid REFERENCES tasks (id) ON DELETE CASCADE,
  due_at            timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (parent_id IS NULL OR parent_id <> id)
)`,
  `CREATE INDEX tasks_user_created ON tasks (user_id, created_at DESC, id DESC)`,
  `CREATE INDEX tasks_assignee_created ON tasks (assignee_user_id, created_at DESC, id DESC) WHERE assignee_user_id IS NOT NULL`,
  `CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL`,
  `CREATE INDEX tasks_status_created ON tasks (status, created_at DESC, id DESC)`,
  `CREATE TABLE task_jobs (
  task_id    uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  job_id     uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  linked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, job_id)
)`,
  `CREATE INDEX task_jobs_job ON task_jobs (job_id)`,
  `CREATE TABLE outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id      uuid        NOT NULL UNIQUE,
  channel       text        NOT NULL CHECK (channel IN ('jobs:bus','tasks:bus')),
  type          text        NOT NULL,
  body          text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
)`,
  `CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`,
  `CREATE TABLE projection_offsets (
  stream    text PRIMARY KEY,
  position  text NOT NULL
)`
,
  "CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION touch_updated_at()",
  "CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION touch_updated_at()"
]

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (const statement of statements) yield* sql.unsafe(statement)
})

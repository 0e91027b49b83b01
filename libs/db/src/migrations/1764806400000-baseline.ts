import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The upstream schema as it stood before upstream migration 120: the tables this system
 * touches, with upstream's columns, defaults, CHECKs, foreign keys and constraint names
 * (spec §1). Columns upstream lists as irrelevant here are left out. `agent_runtime` still
 * carries the legacy full unique key `agent_runtime_workspace_id_daemon_id_provider_key`.
 */
export class Baseline1764806400000 implements MigrationInterface {
  name = 'Baseline1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "user" (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        name TEXT NOT NULL,
        email TEXT UNIQUE NOT NULL,
        avatar_url TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );

      CREATE TABLE workspace (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        name TEXT NOT NULL,
        slug TEXT UNIQUE NOT NULL,
        description TEXT,
        settings JSONB NOT NULL DEFAULT '{}',
        context TEXT,
        repos JSONB NOT NULL DEFAULT '[]',
        issue_prefix TEXT NOT NULL DEFAULT '',
        issue_counter INT NOT NULL DEFAULT 0,
        avatar_url TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );

      CREATE TABLE member (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id UUID NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        user_id UUID NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, user_id)
      );
      CREATE INDEX idx_member_workspace ON member (workspace_id);
      CREATE INDEX idx_member_user_workspace ON member (user_id, workspace_id);

      CREATE TABLE agent_runtime (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id UUID NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        daemon_id TEXT,
        name TEXT NOT NULL,
        runtime_mode TEXT NOT NULL CHECK (runtime_mode IN ('local', 'cloud')),
        provider TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
        device_info TEXT NOT NULL DEFAULT '',
        metadata JSONB NOT NULL DEFAULT '{}',
        last_seen_at TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        owner_id UUID REFERENCES "user"(id),
        legacy_daemon_id TEXT,
        visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
        CONSTRAINT agent_runtime_workspace_id_daemon_id_provider_key
          UNIQUE (workspace_id, daemon_id, provider)
      );
      CREATE INDEX idx_agent_runtime_workspace ON agent_runtime (workspace_id);
      CREATE INDEX idx_agent_runtime_status ON agent_runtime (workspace_id, status);
      CREATE INDEX idx_agent_runtime_last_seen_at ON agent_runtime (last_seen_at);

      CREATE TABLE agent (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id UUID NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        avatar_url TEXT,
        runtime_mode TEXT NOT NULL CHECK (runtime_mode IN ('local', 'cloud')),
        runtime_config JSONB NOT NULL DEFAULT '{}',
        runtime_id UUID NOT NULL,
        visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('workspace', 'private')),
        status TEXT NOT NULL DEFAULT 'offline'
          CHECK (status IN ('idle', 'working', 'blocked', 'error', 'offline')),
        max_concurrent_tasks INT NOT NULL DEFAULT 1,
        owner_id UUID REFERENCES "user"(id),
        custom_args JSONB NOT NULL DEFAULT '[]',
        custom_env JSONB NOT NULL DEFAULT '{}',
        archived_at TIMESTAMPTZ,
        archived_by UUID REFERENCES "user"(id),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT agent_runtime_id_fkey
          FOREIGN KEY (runtime_id) REFERENCES agent_runtime(id) ON DELETE RESTRICT,
        CONSTRAINT agent_workspace_name_unique UNIQUE (workspace_id, name)
      );
      CREATE INDEX idx_agent_runtime ON agent (runtime_id);

      CREATE TABLE agent_task_queue (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        agent_id UUID NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
        runtime_id UUID NOT NULL,
        issue_id UUID,
        status TEXT NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'dispatched', 'running', 'completed', 'failed', 'cancelled')),
        priority INT NOT NULL DEFAULT 0,
        dispatched_at TIMESTAMPTZ,
        started_at TIMESTAMPTZ,
        completed_at TIMESTAMPTZ,
        result JSONB,
        error TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT agent_task_queue_runtime_id_fkey
          FOREIGN KEY (runtime_id) REFERENCES agent_runtime(id) ON DELETE CASCADE
      );
      CREATE INDEX idx_agent_task_queue_runtime_pending
        ON agent_task_queue (runtime_id, priority DESC, created_at ASC)
        WHERE status IN ('queued', 'dispatched');
      CREATE INDEX idx_agent_task_queue_agent ON agent_task_queue (agent_id);

      CREATE TABLE squad (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id UUID NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        leader_id UUID NOT NULL REFERENCES agent(id) ON DELETE RESTRICT,
        creator_id UUID NOT NULL,
        instructions TEXT NOT NULL DEFAULT '',
        avatar_url TEXT,
        archived_at TIMESTAMPTZ,
        archived_by UUID,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX idx_squad_workspace ON squad (workspace_id);
      CREATE INDEX idx_squad_leader ON squad (leader_id);

      CREATE TABLE squad_member (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        squad_id UUID NOT NULL REFERENCES squad(id) ON DELETE CASCADE,
        member_type TEXT NOT NULL CHECK (member_type IN ('agent', 'member')),
        member_id UUID NOT NULL,
        role TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (squad_id, member_type, member_id)
      );
      CREATE INDEX idx_squad_member_squad ON squad_member (squad_id);
      CREATE INDEX idx_squad_member_entity ON squad_member (member_type, member_id);

      CREATE TABLE autopilot (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id UUID NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        description TEXT,
        assignee_id UUID NOT NULL,
        assignee_type TEXT NOT NULL DEFAULT 'agent' CHECK (assignee_type IN ('agent', 'squad')),
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
        execution_mode TEXT NOT NULL DEFAULT 'create_issue'
          CHECK (execution_mode IN ('create_issue', 'run_only')),
        issue_title_template TEXT,
        created_by_type TEXT NOT NULL CHECK (created_by_type IN ('member', 'agent')),
        created_by_id UUID NOT NULL,
        last_run_at TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX idx_autopilot_workspace ON autopilot (workspace_id);
      CREATE INDEX idx_autopilot_assignee ON autopilot (assignee_id);
      CREATE INDEX idx_autopilot_assignee_type_id ON autopilot (assignee_type, assignee_id);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE autopilot;
      DROP TABLE squad_member;
      DROP TABLE squad;
      DROP TABLE agent_task_queue;
      DROP TABLE agent;
      DROP TABLE agent_runtime;
      DROP TABLE member;
      DROP TABLE workspace;
      DROP TABLE "user";
    `);
  }
}

import type { EntityManager } from 'typeorm';
import { Workspace } from '../entities';

/** Fields a new workspace takes; the rest have column defaults. */
export interface NewWorkspace {
  name: string;
  slug: string;
  description?: string | null;
  settings?: Record<string, unknown>;
  repos?: unknown[];
}

/** Workspaces (tenants). */
export class WorkspaceRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Inserts a workspace; a taken slug raises the database's unique violation. */
  async create(input: NewWorkspace): Promise<Workspace> {
    return this.manager.getRepository(Workspace).save(this.manager.create(Workspace, input));
  }

  /** The workspace with this id, or null. */
  async findById(workspaceId: string): Promise<Workspace | null> {
    return this.manager.findOneBy(Workspace, { id: workspaceId });
  }

  /** Whether any workspace exists (the demo seed runs only on an empty database). */
  async hasAny(): Promise<boolean> {
    return this.manager.exists(Workspace);
  }
}

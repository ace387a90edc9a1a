/** Used app-token ids in SQLite: a token admits once, even across restarts. */
import type { JtiStore } from '../identity/app-token.js';
import type { Repo } from '../store/repo.js';

export class SqliteJtiStore implements JtiStore {
  constructor(private readonly repo: Repo) {}
  used(jti: string): boolean {
    return this.repo.jtiUsed(jti);
  }
  use(jti: string, expMs: number): void {
    this.repo.useJti(jti, expMs);
  }
  purge(nowMs: number): number {
    this.repo.purgeJtis(nowMs);
    return this.repo.countJtis();
  }
}

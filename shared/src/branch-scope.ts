/** Who is asking, as far as branch scope goes (the console's advisor claims). */
export interface BranchScoped {
  branchId: string;
  allBranches: boolean;
}

/**
 * The one rule for which branches' conversations a console user may see: every branch with
 * `allBranches` (head office), otherwise their own. As a query filter on documents with a branchId.
 */
export function visibleBranchFilter(user: BranchScoped): Record<string, unknown> {
  return user.allBranches ? {} : { branchId: user.branchId };
}

/** The same rule for one document's branch (null: a chat not yet bound to a branch). */
export function seesBranch(user: BranchScoped, branchId: string | null | undefined): boolean {
  return user.allBranches || (branchId != null && branchId === user.branchId);
}

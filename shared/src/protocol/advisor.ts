import type { CoreAdvisorRequests } from './advisor-core';
import type { DashboardRequests } from './advisor-dashboard';
import type { PracticeRequests } from './advisor-practice';
import type { QualityRequests } from './advisor-quality';
import type { RecordsRequests } from './advisor-records';
import type { RoutingRequests } from './advisor-routing';
import type { ServiceRequests } from './advisor-service';

/**
 * Every request an advisor's or supervisor's console sends on the /advisor namespace (socket.io's
 * typed ClientToServer map), composed from one fragment per feature. The server registers each
 * with the same name and payload; the console emits through it.
 */
export interface AdvisorRequestEvents
  extends
    CoreAdvisorRequests,
    RoutingRequests,
    ServiceRequests,
    QualityRequests,
    DashboardRequests,
    RecordsRequests,
    PracticeRequests {}

import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '../store/session'
import { homeOf } from './home'

export { homeOf }

declare module 'vue-router' {
  interface RouteMeta {
    /** Menu text; pages without it are not in the menu. */
    title?: string
    /** Roles that may open the page (any of them). */
    roles?: string[]
    public?: boolean
  }
}

export const pages: RouteRecordRaw[] = [
  {
    path: 'dashboard',
    name: 'dashboard',
    component: () => import('../views/dashboard/DashboardView.vue'),
    meta: { title: '数据概览', roles: ['handler', 'admin'] },
  },
  {
    path: 'handler/queue',
    name: 'queue',
    component: () => import('../views/handler-queue/QueueView.vue'),
    meta: { title: '投诉工单', roles: ['handler'] },
  },
  {
    path: 'handler/cases/:id',
    name: 'case',
    component: () => import('../views/handler-case/CaseView.vue'),
    meta: { roles: ['handler'] },
  },
  {
    path: 'merchant/till',
    name: 'till',
    component: () => import('../views/merchant-till/TillView.vue'),
    meta: { title: '收银核销', roles: ['merchant'] },
  },
  {
    path: 'merchant/shops',
    name: 'shops',
    component: () => import('../views/merchant-shops/ShopsView.vue'),
    meta: { title: '门店管理', roles: ['merchant'] },
  },
  {
    path: 'merchant/trade-in',
    name: 'merchant-trade-in',
    component: () => import('../views/merchant-trade-in/TradeInOffersView.vue'),
    meta: { title: '以旧换新', roles: ['merchant'] },
  },
  {
    path: 'merchant/complaints',
    name: 'merchant-complaints',
    component: () => import('../views/merchant-complaints/MerchantComplaintsView.vue'),
    meta: { title: '消费投诉', roles: ['merchant'] },
  },
  {
    path: 'merchant/complaints/:id',
    name: 'merchant-case',
    component: () => import('../views/merchant-case/MerchantCaseView.vue'),
    meta: { roles: ['merchant'] },
  },
  {
    path: 'merchant/applications',
    name: 'merchant-applications',
    component: () => import('../views/merchant-applications/ApplicationsView.vue'),
    meta: { title: '商户入驻', roles: ['merchant'] },
  },
  {
    path: 'merchant/credit',
    name: 'merchant-credit',
    component: () => import('../views/merchant-credit/MerchantCreditView.vue'),
    meta: { title: '信用档案', roles: ['merchant'] },
  },
  {
    path: 'admin/credit',
    name: 'admin-credit',
    component: () => import('../views/admin-credit/CreditAdminView.vue'),
    meta: { title: '商户信用', roles: ['admin'] },
  },
  {
    path: 'admin/campaigns',
    name: 'campaigns',
    component: () => import('../views/admin-campaigns/CampaignsView.vue'),
    meta: { title: '消费券活动', roles: ['admin'] },
  },
  {
    path: 'admin/campaigns/:id',
    name: 'campaign',
    component: () => import('../views/admin-campaign/CampaignView.vue'),
    meta: { roles: ['admin'] },
  },
  {
    path: 'admin/merchants',
    name: 'merchant-review',
    component: () => import('../views/admin-merchants/MerchantsView.vue'),
    meta: { title: '商户审核', roles: ['admin'] },
  },
  {
    path: 'admin/trade-in',
    name: 'trade-in-review',
    component: () => import('../views/admin-trade-in/TradeInView.vue'),
    meta: { title: '以旧换新审核', roles: ['admin'] },
  },
  {
    path: 'admin/recycling',
    name: 'recycling',
    component: () => import('../views/admin-recycling/RecyclingView.vue'),
    meta: { title: '上门回收', roles: ['admin'] },
  },
  {
    path: 'admin/tourism',
    name: 'tourism',
    component: () => import('../views/admin-tourism/TourismView.vue'),
    meta: { title: '文旅线路与活动', roles: ['admin'] },
  },
  {
    path: 'admin/calendar',
    name: 'calendar',
    component: () => import('../views/admin-calendar/CalendarView.vue'),
    meta: { title: '工作日历', roles: ['admin'] },
  },
  {
    path: 'admin/roles',
    name: 'roles',
    component: () => import('../views/admin-roles/RolesView.vue'),
    meta: { title: '人员与角色', roles: ['admin'] },
  },
  {
    path: 'admin/audit',
    name: 'audit',
    component: () => import('../views/admin-audit/AuditView.vue'),
    meta: { title: '审计日志', roles: ['admin'] },
  },
]

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('../views/login/LoginView.vue'),
    meta: { public: true },
  },
  {
    path: '/',
    component: () => import('../layout/AppLayout.vue'),
    children: [{ path: '', name: 'home', redirect: () => ({ name: 'home-of-role' }) }, ...pages],
  },
  { path: '/home', name: 'home-of-role', component: { render: () => null } },
  {
    path: '/:rest(.*)*',
    name: 'not-found',
    component: () => import('../views/not-found/NotFoundView.vue'),
    meta: { public: true },
  },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach((to) => {
  const session = useSession()
  if (to.meta.public) return true
  if (!session.signedIn) return { name: 'login', query: { next: to.fullPath } }
  if (to.name === 'home-of-role') return { name: homeOf(session.roles) }
  if (!session.hasAnyRole(to.meta.roles)) return { name: homeOf(session.roles) }
  return true
})

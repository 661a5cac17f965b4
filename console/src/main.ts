import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/el-message.css'
import './styles/tables.css'
import App from './App.vue'
import { router } from './router'
import { whenUnauthorized } from './api/client'
import { useSession } from './store/session'

const app = createApp(App)
app.use(createPinia())
app.use(router)

// An expired or revoked session goes back to the sign-in page.
const session = useSession()
const backToSignIn = () => {
  session.signOut()
  router.replace({ name: 'login', query: { expired: '1' } })
}
whenUnauthorized(backToSignIn)
session.scheduleExpiry(backToSignIn)

app.mount('#app')

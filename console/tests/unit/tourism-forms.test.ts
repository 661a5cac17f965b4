import { describe, expect, it } from 'vitest'
import { emptyRoute, emptyStop, routeBody, routeFromDetail, stopErrors } from '../../src/views/admin-tourism/routeForm'
import { emptyEvent, eventBody, eventFromView } from '../../src/views/admin-tourism/eventForm'

const stop = (name: string, day: number, lat = '29.5575', lng = '106.5770') => ({ ...emptyStop(day), name, lat, lng })

const filledRoute = () => ({
  ...emptyRoute(),
  title: ' 两江夜游 ',
  summary: '洪崖洞看夜景，再坐索道过江',
  themes: ['night'],
  district_codes: ['500103'],
  days: 2,
  stops: [stop('洪崖洞', 1), { ...stop('长江索道', 2), ticket: '30', shop_id: 'shop-9' }],
})

describe('route form', () => {
  it('numbers stops in the order shown, sends tickets in fen and keeps a shop link', () => {
    const built = routeBody(filledRoute())
    expect(built.ok).toBe(true)
    if (!built.ok) return
    expect(built.body).toMatchObject({ title: '两江夜游', coord: 'gcj02', published: true })
    expect(built.body.stops).toEqual([
      { seq: 1, day: 1, name: '洪崖洞', lat: 29.5575, lng: 106.577, minutes: 60, ticket_fen: 0 },
      { seq: 2, day: 2, name: '长江索道', lat: 29.5575, lng: 106.577, minutes: 60, ticket_fen: 3000, shop_id: 'shop-9' },
    ])
    // Left blank, the distance is the server's to measure.
    expect('distance_m' in built.body).toBe(false)
    const measured = routeBody({ ...filledRoute(), distance_km: '12.5' })
    expect(measured.ok && measured.body.distance_m).toBe(12500)
  })

  it('names each wrong stop as the server does, so the error shows on that stop', () => {
    const f = filledRoute()
    f.stops = [stop('洪崖洞', 2), stop('', 1, 'north')]
    f.themes = []
    const built = routeBody(f)
    expect(built.ok).toBe(false)
    if (built.ok) return
    expect(Object.keys(built.fields).sort()).toEqual(['stops[1]', 'themes'])
    expect(built.fields['stops[1]']).toContain('日程不能倒退')
    expect(built.fields['stops[1]']).toContain('经纬度')
  })

  it('sends the places outside Chongqing trimmed and names a short one', () => {
    const chuanyu = { ...filledRoute(), themes: ['chuanyu'], outside_places: [' 四川省成都市青羊区 '] }
    const built = routeBody(chuanyu)
    expect(built.ok && built.body.outside_places).toEqual(['四川省成都市青羊区'])
    const short = routeBody({ ...chuanyu, outside_places: ['成'] })
    expect(short.ok).toBe(false)
    if (short.ok) return
    expect(short.fields.outside_places).toContain('2 到 40')
    expect(routeFromDetail({ ...chuanyu, distance_m: 0, stops: [], outside_places: ['四川省成都市武侯区'] }).outside_places).toEqual([
      '四川省成都市武侯区',
    ])
  })

  it('gathers the server errors of one stop, its own and its fields', () => {
    const errors = { 'stops[1]': '日程不能跳过一天', 'stops[1].name': '不能为空', 'stops[10]': '其他站', title: 'x' }
    expect(stopErrors(errors, 1)).toBe('日程不能跳过一天；不能为空')
    expect(stopErrors(errors, 0)).toBe('')
  })

  it('opens a route as it was, and saving it unchanged sends the same stops back', () => {
    const detail = {
      title: '红岩精神之旅',
      summary: '红岩村、曾家岩、渣滓洞',
      themes: ['red', 'study'],
      district_codes: ['500103', '500106'],
      days: 1,
      best_season: '全年',
      distance_m: 23456,
      published: false,
      stops: [{ day: 1, name: '红岩村', lat: 29.5601, lng: 106.5213, minutes: 90, ticket_fen: 0, opening_notes: '周一闭馆', shop_id: null }],
    }
    const form = routeFromDetail(detail)
    expect(form.distance_km).toBe('23.5')
    const built = routeBody(form)
    expect(built.ok && built.body).toMatchObject({ published: false, distance_m: 23500 })
    expect(built.ok && built.body.stops).toEqual([
      { seq: 1, day: 1, name: '红岩村', lat: 29.5601, lng: 106.5213, minutes: 90, ticket_fen: 0, opening_notes: '周一闭馆' },
    ])
  })
})

const filledEvent = () => ({
  ...emptyEvent(),
  name: '解放碑跨年夜',
  category: 'festival',
  starts_at: '2026-12-31T20:00:00+08:00',
  ends_at: '2027-01-01T01:00:00+08:00',
  venue: '解放碑步行街',
  lat: '29.5575',
  lng: '106.5770',
  district_code: '500103',
  organiser: '渝中区商务委员会',
})

describe('event form', () => {
  it('runs past midnight and sends no price for a free event', () => {
    const built = eventBody(filledEvent())
    expect(built.ok && built.body).toMatchObject({
      starts_at: '2026-12-31T12:00:00.000Z',
      ends_at: '2026-12-31T17:00:00.000Z',
      free: true,
    })
    expect(built.ok && 'price_fen' in built.body).toBe(false)
  })

  it('asks a paid event for its lowest price, in fen', () => {
    const unpriced = eventBody({ ...filledEvent(), free: false })
    expect(!unpriced.ok && unpriced.fields.price_fen).toBeTruthy()
    const priced = eventBody({ ...filledEvent(), free: false, price: '80' })
    expect(priced.ok && priced.body.price_fen).toBe(8000)
  })

  it('names the fields it can already tell are wrong', () => {
    const built = eventBody({ ...filledEvent(), ends_at: '2026-12-31T19:00:00+08:00', lng: '', category: '' })
    expect(!built.ok && Object.keys(built.fields).sort()).toEqual(['category', 'ends_at', 'lat'])
  })

  it('opens an event as it was', () => {
    const form = eventFromView({ ...filledEvent(), lat: 29.5575, lng: 106.577, free: false, price_fen: 5000, published: true })
    expect(form).toMatchObject({ price: '50.00', lat: '29.5575', free: false })
  })
})

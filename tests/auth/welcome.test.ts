/** The welcome app: its navbar shows Log In / Sign Up, then the user's name and Log Out. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server'
import { submit, logout } from './authApp'

test('welcome navbar: visitor links, then the user and logout', async () => {
  const s = await startServer({ welcome: true })
  try {
    const a = s.agent()
    let r = await a.request('/welcome/default/index')
    assert.equal(r.status, 200, r.body)
    // the auth part of the navbar, up to the end of the navbar (it holds the user menu's own list)
    const nav = (html: string) => /<ul class="navbar-nav quark-auth">[\s\S]*?<\/nav>/.exec(html)?.[0] ?? ''
    assert.match(nav(r.body), /href="\/welcome\/default\/user\/login">Log In</)
    assert.match(nav(r.body), /href="\/welcome\/default\/user\/register">Sign Up</)
    r = await a.request('/welcome/default/user/login')
    assert.equal(r.status, 200)
    assert.match(r.body, /<h2>Log In<\/h2>/)
    assert.match(r.body, /\/_quark\/bootstrap.min.css/, 'in the welcome layout')
    // CODE(src, { language }) output is coloured by highlight.js's theme, which the layout links
    assert.match(r.body, /<link rel="stylesheet" href="\/_quark\/highlight.css">/)
    const css = await a.request('/_quark/highlight.css')
    assert.equal(css.status, 200)
    assert.match(String(css.headers['content-type']), /^text\/css/)
    assert.match(css.body, /\.hljs-keyword/)
    r = await submit(a, '/welcome/default/user/register', 'register', { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', password: 'cobol-1959', password2: 'cobol-1959' })
    assert.equal(r.status, 303, r.body)
    r = await a.request(String(r.headers.location))
    assert.match(nav(r.body), /Grace/)
    assert.match(nav(r.body), /<form class="quark-logout d-inline" method="post" action="\/welcome\/default\/user\/logout">/)
    assert.match(nav(r.body), />Log Out<\/button>/)
    // the user menu links the account's pages
    assert.match(nav(r.body), /href="\/welcome\/default\/user\/profile">Profile</)
    assert.match(nav(r.body), /href="\/welcome\/default\/user\/change_password">Change password</)
    assert.doesNotMatch(nav(r.body), /Sign Up/)
    assert.match(r.body, /Registration successful/, 'the flash survives the redirect')
    r = await logout(a, 'welcome')
    assert.equal(r.status, 303)
    r = await a.request(String(r.headers.location))
    assert.match(nav(r.body), /Log In/)
    assert.match(r.body, /Logged out/)
  } finally { await s.stop() }
})

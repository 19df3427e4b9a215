// The welcome app's own script; the framework's client (components, ajax forms, flash) is /_quark/quark.js.
'use strict'

import * as core from '@actions/core'
import { post, run } from './main'

// action.yml runs this one bundle as `main` and again as `post`; main leaves a state flag for post.
if (core.getState('isPost') === 'true') {
  void post()
} else {
  core.saveState('isPost', 'true')
  void run()
}

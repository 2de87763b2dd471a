import './provided'
export * from './servers'
export * from './apps'

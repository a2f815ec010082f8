"""Help requests (便民纸条): a resident asks for doorstep help, staff triage it, and it is
dispatched like any job. The request and its dispatch are one ServiceRequest row; this
package holds the help side's fields, drafts, photos, services and reads."""

"""`make run`'s process runner: honcho (Procfile: web, worker, beat), with a longer grace
period before it kills a process that has not stopped.

honcho sends SIGTERM to every process on Ctrl-C or SIGTERM and SIGKILL 5 s later. Celery's
worker on the polling filesystem broker notices the signal between 2-second polls and then
returns the messages it holds unacknowledged (countdown offer expiries among them) to the
queue: measured 5-6 s, so a SIGKILL at 5 s would drop those. Twenty seconds lets it finish.
"""

import honcho.manager
from honcho.command import main

honcho.manager.KILL_WAIT = 20

if __name__ == "__main__":
    main()

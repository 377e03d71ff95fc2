# Software MMU: page walks and TLBs.

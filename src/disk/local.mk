# libvmdk and vdiskmanager.
